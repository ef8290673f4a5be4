package schemas

import "strings"

// TrustDir holds trust roots (Fulcio, TSA, Rekor, x509 CAs). Its files are
// rules: changing them is a governance change, and every trust file
// writ.yaml names lives under it.
const TrustDir = "trust"

// RulesDirs returns the directories whose files, with writ.yaml, make up the
// rules of a control repo: workflows/, policies/, goals/ and trust/. It is the one
// list of rules paths: validation, rule loading from git, rule-change
// proposals and the gate all use it.
func RulesDirs() []string { return []string{WorkflowsDir, PoliciesDir, GoalsDir, TrustDir} }

// RulesRoots returns the top-level names that hold the rules: writ.yaml
// and RulesDirs. A path is a rules path (IsRulesPath) exactly when it is
// one of them or lies under one of the directories.
func RulesRoots() []string { return append([]string{ConfigFile}, RulesDirs()...) }

// IsRulesPath reports whether a slash-separated path is part of the rules:
// writ.yaml, or any file under workflows/, policies/, goals/ or trust/. Changing it
// is a governance change.
func IsRulesPath(p string) bool {
	if p == ConfigFile {
		return true
	}
	for _, d := range RulesDirs() {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
