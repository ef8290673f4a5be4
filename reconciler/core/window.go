package core

// GuardWindow: the transition's time windows and freezes allow it at the
// entry's clock (transitions that declare windows or freezes only;
// schemas.JudgeWindows judges them). A window or freeze that holds a
// proposal makes it wait, not fail: it applies on a later entry whose
// clock is inside, or now under a break-glass override, which the guard's
// detail then names.
const GuardWindow = "window"
