// Package labpki makes and keeps the lab's credentials: a CA of its own, the
// API server's serving certificate for the loopback addresses, the learner's
// client certificate and bearer token — created at the lab's first start,
// renewed before they expire, every private file mode 0600. It knows
// nothing of the API server; runtime/lab hands these to it and writes them
// into the kubeconfig.
package labpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Validity of what the lab makes: the CA for ten years; certificates for a
// year, renewed when less than a month is left.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	certValidity = 365 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour
)

// UserName and UserGroup are who the learner's credentials authenticate as:
// a member of system:masters, as kubeadm's admin.conf is.
const (
	UserName  = "podlab"
	UserGroup = "system:masters"
)

// Bundle holds the lab's credentials, PEM encoded.
type Bundle struct {
	CACert                  []byte
	ServingCert, ServingKey []byte
	ClientCert, ClientKey   []byte
	// Token is the learner's bearer token.
	Token string
}

// Ensure loads the credentials kept in dir, making what is missing or about
// to expire.
func Ensure(dir string) (*Bundle, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ca, caKey, caPEM, err := ensureCA(dir)
	if err != nil {
		return nil, err
	}
	b := &Bundle{CACert: caPEM}
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "podlab-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if b.ServingCert, b.ServingKey, err = ensureLeaf(dir, "apiserver", serving, ca, caKey); err != nil {
		return nil, err
	}
	client := &x509.Certificate{
		Subject:     pkix.Name{CommonName: UserName, Organization: []string{UserGroup}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if b.ClientCert, b.ClientKey, err = ensureLeaf(dir, "client", client, ca, caKey); err != nil {
		return nil, err
	}
	if b.Token, err = ensureToken(filepath.Join(dir, "token")); err != nil {
		return nil, err
	}
	return b, nil
}

func ensureCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if cert, key, certPEM, err := load(certPath, keyPath); err == nil && time.Until(cert.NotAfter) > renewBefore {
		return cert, key, certPEM, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "podlab-ca"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	certPEM, keyPEM, err := issue(tmpl, caValidity, nil, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	// A new CA invalidates every certificate the old one signed.
	for _, name := range []string{"apiserver", "client"} {
		os.Remove(filepath.Join(dir, name+".crt"))
		os.Remove(filepath.Join(dir, name+".key"))
	}
	if err := write(keyPath, keyPEM); err != nil {
		return nil, nil, nil, err
	}
	if err := write(certPath, certPEM); err != nil {
		return nil, nil, nil, err
	}
	cert, key, _, err := load(certPath, keyPath)
	return cert, key, certPEM, err
}

func ensureLeaf(dir, name string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) ([]byte, []byte, error) {
	certPath, keyPath := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if cert, _, certPEM, err := load(certPath, keyPath); err == nil && time.Until(cert.NotAfter) > renewBefore && cert.CheckSignatureFrom(ca) == nil {
		keyPEM, err := os.ReadFile(keyPath)
		return certPEM, keyPEM, err
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	certPEM, keyPEM, err := issue(tmpl, certValidity, ca, caKey)
	if err != nil {
		return nil, nil, err
	}
	if err := write(keyPath, keyPEM); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, write(certPath, certPEM)
}

// issue makes a key and a certificate for tmpl, signed by ca (self-signed when nil).
func issue(tmpl *x509.Certificate, validity time.Duration, ca *x509.Certificate, caKey *ecdsa.PrivateKey) ([]byte, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour) // tolerate a clock a little behind
	tmpl.NotAfter = time.Now().Add(validity)
	if tmpl.KeyUsage == 0 {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca, caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

func load(certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, nil, fmt.Errorf("%s or %s is not PEM; remove both to make new ones", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", certPath, err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	return cert, key, certPEM, nil
}

func ensureToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	return token, write(path, []byte(token+"\n"))
}

// write replaces path atomically, readable by the owner only.
func write(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
