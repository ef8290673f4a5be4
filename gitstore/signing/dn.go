package signing

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// distinguishedName is a name parsed from RFC 4514 text, its RDNs in the
// order of a certificate's RDNSequence (the reverse of the text's order).
type distinguishedName [][]dnAttr

// dnAttr is one attribute of an RDN: its type and either a string value or
// (written "#<hex>") the DER encoding of the value.
type dnAttr struct {
	oid   asn1.ObjectIdentifier
	value string
	der   []byte
}

// dnTypes are the attribute type names RFC 4514 text may use (RFC 4519,
// RFC 2985 for the emailAddress that S/MIME certificates carry), by upper
// case. Any other type is written as a dotted OID.
var dnTypes = map[string]asn1.ObjectIdentifier{
	"CN": {2, 5, 4, 3}, "COMMONNAME": {2, 5, 4, 3},
	"SN": {2, 5, 4, 4}, "SURNAME": {2, 5, 4, 4},
	"SERIALNUMBER": {2, 5, 4, 5},
	"C":            {2, 5, 4, 6}, "COUNTRYNAME": {2, 5, 4, 6},
	"L": {2, 5, 4, 7}, "LOCALITYNAME": {2, 5, 4, 7},
	"ST": {2, 5, 4, 8}, "STATEORPROVINCENAME": {2, 5, 4, 8},
	"STREET": {2, 5, 4, 9}, "STREETADDRESS": {2, 5, 4, 9},
	"O": {2, 5, 4, 10}, "ORGANIZATIONNAME": {2, 5, 4, 10},
	"OU": {2, 5, 4, 11}, "ORGANIZATIONALUNITNAME": {2, 5, 4, 11},
	"TITLE":      {2, 5, 4, 12},
	"POSTALCODE": {2, 5, 4, 17},
	"GN":         {2, 5, 4, 42}, "GIVENNAME": {2, 5, 4, 42},
	"INITIALS":               {2, 5, 4, 43},
	"GENERATIONQUALIFIER":    {2, 5, 4, 44},
	"DNQUALIFIER":            {2, 5, 4, 46},
	"PSEUDONYM":              {2, 5, 4, 65},
	"ORGANIZATIONIDENTIFIER": {2, 5, 4, 97},
	"UID":                    {0, 9, 2342, 19200300, 100, 1, 1}, "USERID": {0, 9, 2342, 19200300, 100, 1, 1},
	"DC": {0, 9, 2342, 19200300, 100, 1, 25}, "DOMAINCOMPONENT": {0, 9, 2342, 19200300, 100, 1, 25},
	"EMAILADDRESS": {1, 2, 840, 113549, 1, 9, 1}, "EMAIL": {1, 2, 840, 113549, 1, 9, 1}, "E": {1, 2, 840, 113549, 1, 9, 1},
}

// parseDN parses RFC 4514 text such as `CN=Bob,O=Example Corp,C=US`:
// RDNs separated by ",", the attributes of a multi-valued RDN by "+", each
// attribute a type (a name of dnTypes, in any case, or a dotted OID), "="
// and a value, either a string with "\" escapes (of a special character, or
// two hex digits for one byte of UTF-8) or "#" and the hex of its DER
// encoding. Spaces around types, values and separators are ignored unless
// escaped. It never panics.
func parseDN(s string) (distinguishedName, error) {
	if len(s) > 4096 {
		return nil, errors.New("longer than 4096 bytes")
	}
	p := &dnParser{s: s}
	var dn distinguishedName
	for {
		rdn, err := p.rdn()
		if err != nil {
			return nil, err
		}
		dn = append(dn, rdn)
		if p.i == len(p.s) {
			break
		}
		p.i++ // the ',' that ended the RDN
	}
	for i, j := 0, len(dn)-1; i < j; i, j = i+1, j-1 {
		dn[i], dn[j] = dn[j], dn[i]
	}
	return dn, nil
}

type dnParser struct {
	s string
	i int
}

func (p *dnParser) skipSpaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// rdn parses attributes joined by '+', up to a ',' or the end.
func (p *dnParser) rdn() ([]dnAttr, error) {
	var rdn []dnAttr
	for {
		a, err := p.attr()
		if err != nil {
			return nil, err
		}
		rdn = append(rdn, a)
		if p.i == len(p.s) || p.s[p.i] == ',' {
			return rdn, nil
		}
		p.i++ // '+'
	}
}

// attr parses type=value, leaving p at the ',' or '+' after it, or the end.
func (p *dnParser) attr() (dnAttr, error) {
	p.skipSpaces()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '=' && p.s[p.i] != ',' && p.s[p.i] != '+' {
		p.i++
	}
	if p.i == len(p.s) || p.s[p.i] != '=' {
		return dnAttr{}, fmt.Errorf("at byte %d: want type=value", start)
	}
	oid, err := dnType(strings.TrimRight(p.s[start:p.i], " "))
	if err != nil {
		return dnAttr{}, fmt.Errorf("at byte %d: %v", start, err)
	}
	p.i++ // '='
	p.skipSpaces()
	a := dnAttr{oid: oid}
	if p.i < len(p.s) && p.s[p.i] == '#' {
		a.der, err = p.hexValue()
	} else {
		a.value, err = p.stringValue()
	}
	return a, err
}

// dnType resolves an attribute type: a name of dnTypes or a dotted OID.
func dnType(t string) (asn1.ObjectIdentifier, error) {
	if t == "" {
		return nil, errors.New("empty attribute type")
	}
	if t[0] < '0' || t[0] > '9' {
		if oid, ok := dnTypes[strings.ToUpper(t)]; ok {
			return oid, nil
		}
		return nil, fmt.Errorf("unknown attribute type %q (use a dotted OID)", t)
	}
	parts := strings.Split(t, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("attribute type %q: an OID has at least two arcs", t)
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || len(part) > 1 && part[0] == '0' {
			return nil, fmt.Errorf("attribute type %q is not a dotted OID", t)
		}
		oid[i] = n
	}
	return oid, nil
}

// hexValue parses "#" and hex digits: the DER of one ASN.1 value.
func (p *dnParser) hexValue() ([]byte, error) {
	start := p.i
	p.i++ // '#'
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '+' && p.s[p.i] != ' ' {
		p.i++
	}
	der, err := hex.DecodeString(p.s[start+1 : p.i])
	if err != nil || len(der) == 0 {
		return nil, fmt.Errorf("at byte %d: %q is not a hex-encoded value", start, p.s[start:p.i])
	}
	var v asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &v); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("at byte %d: %q is not the DER of one value", start, p.s[start:p.i])
	}
	p.skipSpaces()
	if p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '+' {
		return nil, fmt.Errorf("at byte %d: unexpected %q after a hex value", p.i, p.s[p.i])
	}
	return der, nil
}

// stringValue parses a string value up to an unescaped ',' or '+',
// dropping unescaped trailing spaces.
func (p *dnParser) stringValue() (string, error) {
	var b []byte
	keep := 0 // len(b) up to the last byte that is not an unescaped space
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '+' {
		c := p.s[p.i]
		if c != '\\' {
			b = append(b, c)
			if c != ' ' {
				keep = len(b)
			}
			p.i++
			continue
		}
		switch {
		case p.i+1 < len(p.s) && strings.IndexByte(` "#+,;<=>\`, p.s[p.i+1]) >= 0:
			b = append(b, p.s[p.i+1])
			p.i += 2
		case p.i+2 < len(p.s) && isHex(p.s[p.i+1]) && isHex(p.s[p.i+2]):
			x, _ := hex.DecodeString(p.s[p.i+1 : p.i+3])
			b = append(b, x[0])
			p.i += 3
		default:
			return "", fmt.Errorf("at byte %d: a backslash escapes a special character or two hex digits", p.i)
		}
		keep = len(b)
	}
	v := string(b[:keep])
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("value %q is not UTF-8", v)
	}
	return v, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// rawATV and rawRDNSET read a certificate's name keeping each value's DER
// (encoding/asn1 decodes a slice type named *SET as a SET OF).
type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

type rawRDNSET []rawATV

// matches reports whether c's subject is this name: the same RDNs in the
// same order, each with the same attributes in any order. Values compare
// by DER when written in hex, and otherwise as strings without regard to
// case or to runs of spaces (as LDAP's caseIgnoreMatch does).
func (dn distinguishedName) matches(c *x509.Certificate) bool {
	if len(dn) == 0 {
		return false
	}
	var seq []rawRDNSET
	if rest, err := asn1.Unmarshal(c.RawSubject, &seq); err != nil || len(rest) > 0 || len(seq) != len(dn) {
		return false
	}
	for i, rdn := range dn {
		if len(rdn) != len(seq[i]) {
			return false
		}
		used := make([]bool, len(rdn))
		for _, a := range rdn {
			found := false
			for j, got := range seq[i] {
				if !used[j] && a.matches(got) {
					used[j], found = true, true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

func (a dnAttr) matches(got rawATV) bool {
	if !a.oid.Equal(got.Type) {
		return false
	}
	if a.der != nil && bytes.Equal(a.der, got.Value.FullBytes) {
		return true
	}
	want := a.value
	if a.der != nil {
		if _, err := asn1.Unmarshal(a.der, &want); err != nil {
			return false
		}
	}
	var s string
	if _, err := asn1.Unmarshal(got.Value.FullBytes, &s); err != nil {
		return false
	}
	return strings.EqualFold(strings.Join(strings.Fields(want), " "), strings.Join(strings.Fields(s), " "))
}
