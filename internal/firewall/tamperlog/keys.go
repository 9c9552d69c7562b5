package tamperlog

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// KeyID names a public key in checkpoints: the first 8 bytes of SHA-256
// of the raw key, in hex. It lets Verify say "signed by another key"
// rather than only "bad signature".
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateKey makes an Ed25519 key pair and returns it PEM-encoded
// (PKCS #8 private key, PKIX public key).
func GenerateKey() (privPEM, pubPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating Ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding private key: %w", err)
	}
	pder, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), nil
}

// GenerateKeyFiles writes a new key pair: the private key with mode 0600.
// Existing files are not overwritten unless force is set, so a key that
// signed a log cannot be lost by accident.
func GenerateKeyFiles(privPath, pubPath string, force bool) (keyID string, err error) {
	privPEM, pubPEM, err := GenerateKey()
	if err != nil {
		return "", err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	write := func(path string, data []byte, mode os.FileMode) error {
		f, err := os.OpenFile(path, flags, mode)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists (use --force to replace it)", path)
			}
			return err
		}
		// The mode given to OpenFile applies only to a new file: a file
		// replaced with --force would keep its own, and a private key
		// written over a world-readable file would be readable by all.
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return fmt.Errorf("setting the mode of %s: %w", path, err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return f.Close()
	}
	if err := write(privPath, privPEM, 0o600); err != nil {
		return "", err
	}
	if err := write(pubPath, pubPEM, 0o644); err != nil {
		return "", err
	}
	pub, _ := ParsePublicKey(pubPEM)
	return KeyID(pub), nil
}

// ParsePrivateKey reads a PEM PKCS #8 Ed25519 private key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM block found (want a PKCS #8 \"PRIVATE KEY\")")
	}
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		if priv, ok := k.(ed25519.PrivateKey); ok {
			return priv, nil
		}
	}
	// Named, not left to an ASN.1 error: the likely mistakes are the
	// public key of the pair, or a key made for something else.
	switch k := describeKey(b); {
	case k.public && k.algorithm == "Ed25519":
		return nil, errors.New("this is a public key; signing takes the Ed25519 private key (verification takes the public one)")
	case k.known:
		return nil, fmt.Errorf("this is %s; the audit log is signed with Ed25519 (`rampart log keygen` creates a key pair)", k)
	}
	_, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	return nil, fmt.Errorf("parsing private key (want a PKCS #8 Ed25519 \"PRIVATE KEY\"): %w", err)
}

// ParsePublicKey reads a PEM PKIX Ed25519 public key.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM block found (want a \"PUBLIC KEY\")")
	}
	if k, err := x509.ParsePKIXPublicKey(b.Bytes); err == nil {
		if pub, ok := k.(ed25519.PublicKey); ok {
			return pub, nil
		}
	}
	switch k := describeKey(b); {
	case !k.public && k.algorithm == "Ed25519":
		return nil, errors.New("this is a private key; verification takes the public key")
	case k.known:
		return nil, fmt.Errorf("this is %s; the audit log is signed with Ed25519, and verification takes the Ed25519 public key", k)
	}
	_, err := x509.ParsePKIXPublicKey(b.Bytes)
	return nil, fmt.Errorf("parsing public key (want a PKIX Ed25519 \"PUBLIC KEY\"): %w", err)
}

// keyDescription is what a PEM block turned out to hold.
type keyDescription struct {
	known bool
	// algorithm is "Ed25519", "RSA", "ECDSA", "X25519"..., or empty for
	// what is not a bare key (a certificate, an encrypted key).
	algorithm string
	public    bool
	// other describes what is not a bare key.
	other string
}

// String reads "an RSA private key": every algorithm name here is
// spelled out from a vowel sound.
func (d keyDescription) String() string {
	switch {
	case d.other != "":
		return d.other
	case d.public:
		return "an " + d.algorithm + " public key"
	}
	return "an " + d.algorithm + " private key"
}

// describeKey finds what a PEM block holds from its content, whatever its
// label says, so that the message names the mistake made.
func describeKey(b *pem.Block) keyDescription {
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		return keyDescription{known: true, algorithm: algorithmOf(k)}
	}
	if _, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return keyDescription{known: true, algorithm: "RSA"}
	}
	if _, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return keyDescription{known: true, algorithm: "ECDSA"}
	}
	if k, err := x509.ParsePKIXPublicKey(b.Bytes); err == nil {
		return keyDescription{known: true, algorithm: algorithmOf(k), public: true}
	}
	if _, err := x509.ParsePKCS1PublicKey(b.Bytes); err == nil {
		return keyDescription{known: true, algorithm: "RSA", public: true}
	}
	if _, err := x509.ParseCertificate(b.Bytes); err == nil {
		return keyDescription{known: true, other: "a certificate, not a key"}
	}
	switch b.Type {
	case "ENCRYPTED PRIVATE KEY":
		return keyDescription{known: true, other: "an encrypted private key, which cannot be read without its passphrase"}
	case "OPENSSH PRIVATE KEY":
		return keyDescription{known: true, other: "a private key in OpenSSH format, not PKCS #8"}
	}
	return keyDescription{}
}

func algorithmOf(k any) string {
	switch k.(type) {
	case ed25519.PrivateKey, ed25519.PublicKey:
		return "Ed25519"
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "ECDSA"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "X25519"
	}
	return fmt.Sprintf("%T", k)
}

// LoadPrivateKeyFile reads a private key file.
func LoadPrivateKeyFile(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadPublicKeyFile reads a public key file.
func LoadPublicKeyFile(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
