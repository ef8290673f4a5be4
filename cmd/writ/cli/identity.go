package cli

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) identityCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Propose changes to the identities in writ.yaml",
		Args:  cobra.NoArgs,
		// Runnable, so that a flag it does not take is refused like
		// anywhere else; alone it names its subcommands.
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("writ identity needs a subcommand: add (see writ identity --help)")
		},
	}
	cmd.AddCommand(a.identityAddCommand())
	return cmd
}

// identityFlags are the flags of writ identity add.
type identityFlags struct {
	as, name, justification  string
	kind, email, github      string
	sshKey, pgpKey, x509Cert string
	ca                       string
	keyless                  bool
	roles, capabilities      []string
}

func (a *app) identityAddCommand() *cobra.Command {
	var f identityFlags
	cmd := &cobra.Command{
		Use:   "add NAME (--ssh-key FILE | --pgp-key FILE | --x509 CERT --ca PATH | --keyless IDENTITY ISSUER) --as IDENTITY",
		Short: "Propose a new identity, with its own public key, as a governed rule change",
		Long: `identity add proposes writ.yaml with one more identity as a rule change
(like writ propose --rules, on proposals/rules/identity-NAME): the governance
policy in force judges it, so nobody adds an approver without the approvals
that policy asks for. The new identity brings its own key; only its public
half goes into writ.yaml:
  --ssh-key FILE       an SSH public key (FILE.pub, authorized_keys form)
  --pgp-key FILE       an ASCII-armoured OpenPGP public key (gpg --armor --export)
  --x509 CERT --ca P   the person's certificate (PEM): its email (or subject)
                       under the CA file P that the control repo holds (trust/...)
  --keyless ID ISSUER  a Fulcio (gitsign) identity and its OIDC issuer
The rules with the identity must validate; a name writ.yaml already holds is
refused. Afterwards the gate's verdict is printed.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.keyless {
				if len(args) != 3 {
					return fmt.Errorf("--keyless takes IDENTITY ISSUER: writ identity add NAME --keyless IDENTITY ISSUER")
				}
				return nil
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := f.identity(args)
			if err != nil {
				return err
			}
			if f.as == "" {
				return fmt.Errorf("--as is required: the identity proposing the change")
			}
			e, err := a.engine()
			if err != nil {
				return err
			}
			l, err := e.Load()
			if err != nil {
				return &exitError{code: ExitRefused, err: fmt.Errorf("load state: %w", err)}
			}
			a.noteForeign(l)
			got, err := e.ProposeIdentityWith(l, reconciler.AddIdentityRequest{As: f.as, Name: f.name,
				Justification: f.justification, Identity: id})
			if err != nil {
				return &exitError{code: ExitRefused, err: err}
			}
			fmt.Fprintf(a.out, "proposed identity %s (%s signer) as a rule change: branch %s, commit %s signed by %s\n",
				id.Name, id.Signers[0].Kind(), got.Branch, short(got.Commit.String()), f.as)
			if a.quiet {
				return nil
			}
			return a.printGate(e, l, strings.TrimPrefix(got.Branch, schemas.ProposalBranchPrefix), false, false)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.as, "as", "", "proposing identity (its key signs the proposal)")
	fl.StringVar(&f.name, "name", "", "proposal name (default identity-NAME)")
	fl.StringVar(&f.justification, "justification", "", "why")
	fl.StringVar(&f.kind, "kind", string(schemas.IdentityHuman), "human or agent")
	fl.StringVar(&f.email, "email", "", "email (the commit author of what the identity signs)")
	fl.StringVar(&f.github, "github", "", "GitHub login whose pull-request reviews are this identity's decisions")
	fl.StringArrayVar(&f.roles, "role", nil, "role (repeatable)")
	fl.StringArrayVar(&f.capabilities, "capability", nil, "capability, e.g. approve or propose:WORKFLOW (repeatable)")
	fl.StringVar(&f.sshKey, "ssh-key", "", "SSH public key file")
	fl.StringVar(&f.pgpKey, "pgp-key", "", "ASCII-armoured OpenPGP public key file")
	fl.StringVar(&f.x509Cert, "x509", "", "PEM certificate of the identity (with --ca)")
	fl.StringVar(&f.ca, "ca", "", "with --x509: the CA file in the control repo (trust/...)")
	fl.BoolVar(&f.keyless, "keyless", false, "a Fulcio identity: give IDENTITY and ISSUER after NAME")
	a.signingFlags(cmd)
	return cmd
}

// identity builds the identity the flags describe, with exactly one
// signer.
func (f identityFlags) identity(args []string) (schemas.Identity, error) {
	id := schemas.Identity{Name: args[0], Kind: schemas.IdentityKind(f.kind), Email: f.email, GitHub: f.github,
		Roles: f.roles, Capabilities: f.capabilities}
	given := 0
	for _, v := range []string{f.sshKey, f.pgpKey, f.x509Cert} {
		if v != "" {
			given++
		}
	}
	if f.keyless {
		given++
	}
	if given != 1 {
		return id, fmt.Errorf("give exactly one of --ssh-key FILE, --pgp-key FILE, --x509 CERT --ca PATH, --keyless IDENTITY ISSUER")
	}
	read := func(flag, path string) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", flag, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	var s schemas.Signer
	switch {
	case f.sshKey != "":
		key, err := read("--ssh-key", f.sshKey)
		if err != nil {
			return id, err
		}
		if strings.Contains(key, "PRIVATE KEY") {
			return id, fmt.Errorf("--ssh-key %s is a private key: give the public key (%s.pub); a private key never leaves its owner", f.sshKey, f.sshKey)
		}
		s = schemas.Signer{Name: "ssh", SSH: key}
	case f.pgpKey != "":
		key, err := read("--pgp-key", f.pgpKey)
		if err != nil {
			return id, err
		}
		if strings.Contains(key, "PRIVATE KEY") {
			return id, fmt.Errorf("--pgp-key %s is a private key: give the public key (gpg --armor --export KEY)", f.pgpKey)
		}
		s = schemas.Signer{Name: "pgp", PGP: key + "\n"}
	case f.x509Cert != "":
		x, err := x509Signer(f.x509Cert, f.ca)
		if err != nil {
			return id, err
		}
		s = schemas.Signer{Name: "x509", X509: x}
	default:
		s = schemas.Signer{Name: "keyless", Keyless: &schemas.KeylessSigner{Identity: args[1], Issuer: args[2]}}
	}
	id.Signers = []schemas.Signer{s}
	return id, nil
}

// x509Signer reads a PEM certificate and names it by its email (or, when
// it has none, its subject) under the CA file ca of the control repo.
func x509Signer(certFile, ca string) (*schemas.X509Signer, error) {
	if ca == "" {
		return nil, fmt.Errorf("--x509 needs --ca PATH: the CA file in the control repo (under %s/) the certificate chains to", schemas.TrustDir)
	}
	raw, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("--x509: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("--x509 %s: no PEM CERTIFICATE block", certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("--x509 %s: %w", certFile, err)
	}
	if len(cert.EmailAddresses) > 0 {
		return &schemas.X509Signer{Email: cert.EmailAddresses[0], CA: ca}, nil
	}
	return &schemas.X509Signer{Subject: cert.Subject.String(), CA: ca}, nil
}
