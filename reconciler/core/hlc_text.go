package core

import "strconv"

// UTC renders the wall-clock part of h as an RFC 3339 UTC time with
// milliseconds, "2026-12-06T14:00:26.997Z", for reasons and messages. It
// reads no clock and does not use package time (the core imports no clock
// API): the civil date is computed from the Unix milliseconds (proleptic
// Gregorian calendar, days_from_civil inverted).
func (h HLC) UTC() string {
	ms := h.Wall
	days, rem := ms/86400000, ms%86400000
	if rem < 0 {
		days, rem = days-1, rem+86400000
	}
	// civil_from_days (H. Hinnant), for days since 1970-01-01.
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	b := make([]byte, 0, 24)
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, m, 2)
	b = append(b, '-')
	b = pad(b, d, 2)
	b = append(b, 'T')
	b = pad(b, rem/3600000, 2)
	b = append(b, ':')
	b = pad(b, rem/60000%60, 2)
	b = append(b, ':')
	b = pad(b, rem/1000%60, 2)
	b = append(b, '.')
	b = pad(b, rem%1000, 3)
	return string(append(b, 'Z'))
}

// pad appends n in decimal with at least width digits.
func pad(b []byte, n int64, width int) []byte {
	s := strconv.FormatInt(n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// formatMillis renders a duration of ms milliseconds as Go's
// time.Duration.String does ("72h0m0s", "30m0s", "1.5s", "500ms"), without
// package time; beyond a minute it drops milliseconds, which timeouts
// (whole seconds) never have.
func formatMillis(ms int64) string {
	switch {
	case ms < 1000:
		return strconv.FormatInt(ms, 10) + "ms"
	case ms < 60000 && ms%1000 != 0:
		return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) + "s"
	case ms%1000 != 0:
		ms -= ms % 1000 // timeouts are whole seconds (schemas.ParseDuration)
	}
	s := ms / 1000
	h, m := s/3600, s/60%60
	out := ""
	if h > 0 {
		out = strconv.FormatInt(h, 10) + "h"
	}
	if h > 0 || m > 0 {
		out += strconv.FormatInt(m, 10) + "m"
	}
	return out + strconv.FormatInt(s%60, 10) + "s"
}
