package signing

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

var (
	oidCN    = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidC     = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO     = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU    = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidUID   = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

// subjectCert issues a certificate whose subject is exactly rdns, in that
// order (RFC 4514 text lists them last first).
func subjectCert(t *testing.T, ca *testCA, rdns pkix.RDNSequence) *x509.Certificate {
	t.Helper()
	raw, err := asn1.Marshal(rdns)
	if err != nil {
		t.Fatal(err)
	}
	return issue(t, &x509.Certificate{RawSubject: raw, NotBefore: tLong, NotAfter: tLongTo,
		KeyUsage: x509.KeyUsageDigitalSignature}, ecKey(t).Public(), ca)
}

func one(oid asn1.ObjectIdentifier, v any) []pkix.AttributeTypeAndValue {
	return []pkix.AttributeTypeAndValue{{Type: oid, Value: v}}
}

// TestX509SubjectRFC4514: writ.yaml's x509 subject is RFC 4514 text,
// compared with the certificate's subject name by name: attribute types by
// name or OID, values without regard to case or repeated spaces, escapes
// and hex values decoded, the members of a multi-valued RDN in any order,
// the RDNs themselves in order. Go's rendering of the name still matches.
func TestX509SubjectRFC4514(t *testing.T) {
	ca := newRoot(t, "Writ Test CA")
	bob := subjectCert(t, ca, pkix.RDNSequence{one(oidC, "US"), one(oidO, "Example Corp"), one(oidCN, "Bob")})
	emailDER, _ := asn1.MarshalWithParams("bob@example.com", "ia5")
	withEmail := subjectCert(t, ca, pkix.RDNSequence{one(oidC, "US"), one(oidO, "Example Corp"), one(oidOU, "Eng"),
		one(oidCN, "Bob"), {{Type: oidEmail, Value: asn1.RawValue{FullBytes: emailDER}}}})
	inc := subjectCert(t, ca, pkix.RDNSequence{one(oidC, "US"), one(oidO, "Example, Inc."), one(oidCN, "Bob")})
	multi := subjectCert(t, ca, pkix.RDNSequence{one(oidO, "Example Corp"),
		{{Type: oidCN, Value: "Bob"}, {Type: oidUID, Value: "bob"}}})
	hexEmail := "#" + hex.EncodeToString(emailDER)

	tests := []struct {
		name    string
		cert    *x509.Certificate
		subject string
		want    bool
	}{
		{"the issue's example", bob, "CN=Bob,O=Example Corp,C=US", true},
		{"spaces after commas", bob, "CN=Bob, O=Example Corp, C=US", true},
		{"types and values in any case", bob, "cn=BOB,o=example corp,c=us", true},
		{"repeated spaces inside a value", bob, "CN=Bob,O=Example   Corp,C=US", true},
		{"types by OID", bob, "2.5.4.3=Bob,2.5.4.10=Example Corp,2.5.4.6=US", true},
		{"RDNs out of order", bob, "C=US,O=Example Corp,CN=Bob", false},
		{"an RDN missing", bob, "CN=Bob,O=Example Corp", false},
		{"an RDN too many", bob, "CN=Bob,OU=Eng,O=Example Corp,C=US", false},
		{"another value", bob, "CN=Rob,O=Example Corp,C=US", false},
		{"emailAddress by name", withEmail, "emailAddress=bob@example.com,CN=Bob,OU=Eng,O=Example Corp,C=US", true},
		{"E for emailAddress", withEmail, "E=Bob@Example.com,CN=Bob,OU=Eng,O=Example Corp,C=US", true},
		{"hex value", withEmail, "1.2.840.113549.1.9.1=" + hexEmail + ",CN=Bob,OU=Eng,O=Example Corp,C=US", true},
		{"Go's rendering, which lists the email last", withEmail, withEmail.Subject.String(), true},
		{"escaped comma", inc, `CN=Bob,O=Example\, Inc.,C=US`, true},
		{"hex-escaped comma", inc, `CN=Bob,O=Example\2C Inc.,C=US`, true},
		{"unescaped comma splits the value", inc, `CN=Bob,O=Example, Inc.,C=US`, false},
		{"multi-valued RDN", multi, "CN=Bob+UID=bob,O=Example Corp", true},
		{"multi-valued RDN in another order", multi, "UID=bob+CN=Bob,O=Example Corp", true},
		{"multi-valued RDN split in two", multi, "CN=Bob,UID=bob,O=Example Corp", false},
		{"multi-valued RDN missing a member", multi, "CN=Bob,O=Example Corp", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dn, err := parseDN(tt.subject)
			if err != nil {
				if tt.want {
					t.Fatalf("parseDN(%q): %v", tt.subject, err)
				}
				return
			}
			if got := (x509Entry{subject: tt.subject, dn: dn}).subjectMatches(tt.cert); got != tt.want {
				t.Fatalf("subject %q against %q: match = %v, want %v", tt.subject, tt.cert.Subject, got, tt.want)
			}
		})
	}
}

// TestX509SubjectThroughTheRing: a signer declared by RFC 4514 subject
// verifies, even where Go renders the name differently.
func TestX509SubjectThroughTheRing(t *testing.T) {
	ca := newRoot(t, "Writ Test CA")
	files := trustFiles{}.add("trust/ca.pem", certPEM(ca.cert))
	key := ecKey(t)
	leaf := ca.x509Leaf(t, "Carol", "carol@example.com", key, tLong, tLongTo)
	if s := leaf.Subject.String(); !strings.Contains(s, "#") {
		t.Fatalf("Go renders %q without hex; the test needs an attribute it hex-encodes", s)
	}
	ring := newTrustRing(t, []schemas.Identity{x509ID("carol", "", "emailAddress=carol@example.com, CN=Carol", "trust/ca.pem")}, nil, files)
	v, err := VerifyPayloadAt(payload, signCMS(t, payload, key, []*x509.Certificate{leaf}, cmsOpts{}), ring, tSign)
	if err != nil || v.Identity != "carol" {
		t.Fatalf("Verified = %+v, %v", v, err)
	}
}

// TestX509SubjectParseErrors: a subject that is not RFC 4514 text is
// refused when the ring is built, naming the signer.
func TestX509SubjectParseErrors(t *testing.T) {
	for _, subject := range []string{"CN", "=Bob", "CN=Bob,", "CN=Bob+", `CN=Bob\`, `CN=Bob\4`, "XX=Bob", "CN=#zz", "CN=#", "1.2.=x", "CN=Bob,,O=x"} {
		t.Run(subject, func(t *testing.T) {
			_, err := NewKeyRing([]schemas.Identity{x509ID("dave", "", subject, "trust/ca.pem")})
			if err == nil || !strings.Contains(err.Error(), `identity "dave"`) || !strings.Contains(err.Error(), "RFC 4514") {
				t.Fatalf("subject %q: err = %v", subject, err)
			}
		})
	}
}
