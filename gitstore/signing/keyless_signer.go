package signing

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/writ-dev/writ/schemas"
)

// Defaults of KeylessOptions.
const (
	DefaultRenewBefore  = 3 * time.Minute
	DefaultMaxClockSkew = 10 * time.Second
	DefaultSignTimeout  = time.Minute
)

// timestampMargin is how long a certificate must outlive the moment of
// signing when a timestamp authority will date the signature.
const timestampMargin = 30 * time.Second

// KeylessOptions configure a KeylessSigner. The zero value is usable.
type KeylessOptions struct {
	// Timestamper, when set, adds an RFC 3161 timestamp to every
	// signature. Verifiers whose trust.trusted_root lists the authority
	// then judge the certificate at the timestamp and need no
	// accept_committer_time.
	Timestamper Timestamper
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// RenewBefore: Prepare replaces a certificate with less than this
	// left, so commits stamped soon after still fall inside it. Zero means
	// DefaultRenewBefore. Fulcio certificates last 10 minutes.
	RenewBefore time.Duration
	// MaxClockSkew is how far ahead of the local clock a new
	// certificate's NotBefore may be; the signer waits that long for the
	// clock to catch up. Zero means DefaultMaxClockSkew.
	MaxClockSkew time.Duration
	// Timeout bounds the network calls of one Sign (token, Fulcio,
	// timestamp authority). Zero means DefaultSignTimeout.
	Timeout time.Duration
}

// KeylessSigner is a git.Signer that signs as sigstore's gitsign does:
// an ephemeral ECDSA P-256 key, certified by Fulcio for the OIDC identity
// of a token from a TokenSource, signs a detached CMS signature carrying
// the certificate chain (SignDetachedCMS). VerifyCommit accepts the result
// for a keyless signer of writ.yaml whose identity and issuer are the
// certificate's, given a trust.trusted_root listing the Fulcio CA and the
// CT log whose SCT Fulcio embeds, and a trusted time:
// trust.accept_committer_time, or a Timestamper the trusted root lists.
//
// Time. Fulcio certificates are valid from the moment they are issued for
// 10 minutes, and without a timestamp a verifier judges them at the
// commit's committer time, which is stamped before the commit is signed.
// So a certificate must already be held when the commit's time is taken:
// call Prepare first (adapters/keyless does, each time the engine asks for
// the reconciler's signer). Sign refuses with ErrCertificateWindow rather
// than write a signature whose certificate does not cover the commit's
// time; with a Timestamper it only needs a certificate valid now. After
// signing, a certificate close to expiry is replaced for the next commit.
//
// The private key never leaves memory and is replaced with every
// certificate. A KeylessSigner is safe for concurrent use; signatures are
// not deterministic.
type KeylessSigner struct {
	fulcio FulcioClient
	tokens TokenSource
	opts   KeylessOptions
	sleep  func(ctx context.Context, d time.Duration) error // tests replace it

	mu    sync.Mutex
	key   *ecdsa.PrivateKey
	chain []*x509.Certificate // leaf first
}

var _ git.Signer = (*KeylessSigner)(nil)

// NewKeylessSigner returns a signer that gets certificates from fulcio for
// tokens from tokens. It contacts neither until Prepare or Sign.
func NewKeylessSigner(fulcio FulcioClient, tokens TokenSource, opts KeylessOptions) (*KeylessSigner, error) {
	if fulcio == nil {
		return nil, errors.New("keyless signer: no Fulcio client")
	}
	if tokens == nil {
		return nil, errors.New("keyless signer: no token source")
	}
	if opts.RenewBefore <= 0 {
		opts.RenewBefore = DefaultRenewBefore
	}
	if opts.MaxClockSkew <= 0 {
		opts.MaxClockSkew = DefaultMaxClockSkew
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultSignTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &KeylessSigner{fulcio: fulcio, tokens: tokens, opts: opts, sleep: sleepCtx}, nil
}

// Prepare makes sure the signer holds a certificate valid from now until
// at least RenewBefore from now, requesting a new one (with a new key)
// otherwise. When it returns nil, commits stamped in that window can be
// signed without another request. Errors wrap ErrNoToken or ErrFulcio.
func (s *KeylessSigner) Prepare(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if s.coversLocked(now, now.Add(s.opts.RenewBefore)) {
		return nil
	}
	return s.renewLocked(ctx)
}

// Certificate returns the leaf certificate the signer holds, or nil before
// the first Prepare or Sign.
func (s *KeylessSigner) Certificate() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.chain) == 0 {
		return nil
	}
	return s.chain[0]
}

// Sign signs message (a commit or tag encoded without its signature, as
// go-git passes it) within Timeout. See SignContext.
func (s *KeylessSigner) Sign(message io.Reader) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.Timeout)
	defer cancel()
	return s.SignContext(ctx, message)
}

// SignContext signs message and returns the armoured CMS signature. It
// needs a certificate valid at the committer (or tagger) time the message
// claims, or, with a Timestamper or when the message claims no time, one
// valid now; it requests one when the held certificate does not do. Errors
// wrap ErrNoToken, ErrFulcio, ErrCertificateWindow or ErrTimestamp; on
// error nothing is signed.
func (s *KeylessSigner) SignContext(ctx context.Context, message io.Reader) ([]byte, error) {
	payload, err := io.ReadAll(message)
	if err != nil {
		return nil, fmt.Errorf("keyless sign: reading the message: %w", err)
	}
	claimed := claimedTime(payload)
	s.mu.Lock()
	defer s.mu.Unlock()
	// The certificate must be valid when the verifier judges it: at the
	// claimed time, or at the timestamp, taken in a moment.
	window := func() (time.Time, time.Time) {
		if claimed.IsZero() || s.opts.Timestamper != nil {
			now := s.opts.Now()
			return now, now.Add(timestampMargin)
		}
		return claimed, claimed
	}
	if from, to := window(); !s.coversLocked(from, to) {
		if err := s.renewLocked(ctx); err != nil {
			return nil, fmt.Errorf("keyless sign: %w", err)
		}
		if from, to = window(); !s.coversLocked(from, to) {
			leaf := s.chain[0]
			return nil, fmt.Errorf("keyless sign: %w: the commit claims %s but the new certificate is valid from %s to %s (call Prepare before stamping commits, or configure a timestamp authority)",
				ErrCertificateWindow, from.UTC().Format(time.RFC3339), leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	var stamp func([]byte) ([]byte, error)
	if ts := s.opts.Timestamper; ts != nil {
		stamp = func(sig []byte) ([]byte, error) { return ts.Timestamp(ctx, sig) }
	}
	sig, err := SignDetachedCMS(payload, s.key, s.chain, s.opts.Now(), stamp)
	if err != nil {
		return nil, fmt.Errorf("keyless sign: %w", err)
	}
	// Get the next commit's certificate now, while its time is not yet
	// stamped. A failure here is not this signature's: the next Prepare
	// or Sign retries and reports it.
	if later := s.opts.Now(); !s.coversLocked(later, later.Add(s.opts.RenewBefore)) {
		_ = s.renewLocked(ctx)
	}
	return sig, nil
}

// coversLocked reports whether the held certificate is valid throughout
// [from, to], at the one-second precision of certificates and git times.
func (s *KeylessSigner) coversLocked(from, to time.Time) bool {
	if len(s.chain) == 0 {
		return false
	}
	leaf := s.chain[0]
	return !from.Truncate(time.Second).Before(leaf.NotBefore) && !to.After(leaf.NotAfter)
}

// renewLocked requests a certificate for a new key and, when it checks
// out, replaces the held key and chain. It waits (up to MaxClockSkew) for
// the local clock to reach the certificate's NotBefore.
func (s *KeylessSigner) renewLocked(ctx context.Context) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("ephemeral key: %w", err)
	}
	tok, err := s.tokens.Token(ctx)
	if err != nil {
		if errors.Is(err, ErrNoToken) {
			return fmt.Errorf("token source: %w", err)
		}
		return fmt.Errorf("%w: token source: %w", ErrNoToken, err)
	}
	claims, err := ParseTokenClaims(tok)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	if !claims.Expiry.IsZero() && !now.Before(claims.Expiry) {
		return fmt.Errorf("%w: the token from %s expired at %s", ErrNoToken, claims.Issuer, claims.Expiry.Format(time.RFC3339))
	}
	pop, err := ProofOfPossession(key, tok)
	if err != nil {
		return err
	}
	chainPEM, err := s.fulcio.SigningCert(ctx, CertRequest{IDToken: tok, PublicKey: &key.PublicKey, ProofOfPossession: pop})
	if err != nil {
		if errors.Is(err, ErrFulcio) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrFulcio, err)
	}
	chain, err := checkIssuedChain(chainPEM, key)
	if err != nil {
		return err
	}
	leaf := chain[0]
	if !now.Before(leaf.NotAfter) {
		return fmt.Errorf("%w: the new certificate %s expired at %s", ErrFulcio, describeCert(leaf), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if ahead := leaf.NotBefore.Sub(now); ahead > 0 {
		if ahead > s.opts.MaxClockSkew {
			return fmt.Errorf("%w: the new certificate is valid from %s, %s ahead of the local clock (more than the allowed skew of %s)",
				ErrFulcio, leaf.NotBefore.UTC().Format(time.RFC3339), ahead, s.opts.MaxClockSkew)
		}
		if err := s.sleep(ctx, ahead); err != nil {
			return fmt.Errorf("waiting for the certificate's start: %w", err)
		}
	}
	s.key, s.chain = key, chain
	return nil
}

// checkIssuedChain parses Fulcio's PEM chain and checks that its leaf is a
// Fulcio certificate (an OIDC issuer extension and one identity) for key.
func checkIssuedChain(chainPEM []byte, key *ecdsa.PrivateKey) ([]*x509.Certificate, error) {
	chain, err := schemas.ParseCertificatesPEM(chainPEM)
	if err != nil {
		return nil, fmt.Errorf("%w: certificate chain: %v", ErrFulcio, err)
	}
	if len(chain) == 0 || len(chain) > maxCMSCerts {
		return nil, fmt.Errorf("%w: certificate chain of %d certificates (want 1 to %d)", ErrFulcio, len(chain), maxCMSCerts)
	}
	leaf := chain[0]
	if err := cryptoutils.EqualKeys(leaf.PublicKey, &key.PublicKey); err != nil {
		return nil, fmt.Errorf("%w: certificate %s is not for the key that asked", ErrFulcio, describeCert(leaf))
	}
	if _, isFulcio, err := fulcioIssuer(leaf); err != nil || !isFulcio {
		return nil, fmt.Errorf("%w: certificate %s carries no valid OIDC issuer extension", ErrFulcio, describeCert(leaf))
	}
	if _, err := certIdentity(leaf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFulcio, err)
	}
	return chain, nil
}

// claimedTime reads the committer (or, for a tag, tagger) time from an
// encoded commit or tag without its signature; zero when there is none.
func claimedTime(payload []byte) time.Time {
	sc := bufio.NewScanner(bytes.NewReader(payload))
	sc.Buffer(make([]byte, 0, 4096), len(payload)+1)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			break // end of headers
		}
		for _, h := range [][]byte{[]byte("committer "), []byte("tagger ")} {
			if bytes.HasPrefix(line, h) {
				var sig object.Signature
				sig.Decode(line[len(h):])
				return sig.When
			}
		}
	}
	return time.Time{}
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
