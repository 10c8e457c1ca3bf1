package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/podlab/podlab/internal/clientbin"
)

// The lab's API on loopback TLS lets in only the lab's own credentials: its
// client certificate (in the kubeconfig) and its bearer token. Anything
// else — no credentials, a wrong token, a certificate another CA signed,
// even for the same user — gets upstream's 401, on every path. The files
// holding the credentials are the user's alone.
func TestAPIAuth(t *testing.T) {
	kubectlBin := clientbin.Kubectl(t)
	l := newLab(t)
	kubeconfig := l.kubeconfig()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil || cfg.Clusters[ctx.Cluster] == nil || cfg.AuthInfos[ctx.AuthInfo] == nil {
		t.Fatalf("the kubeconfig's current context %q is incomplete", cfg.CurrentContext)
	}
	cluster, user := cfg.Clusters[ctx.Cluster], cfg.AuthInfos[ctx.AuthInfo]
	if !strings.HasPrefix(cluster.Server, "https://127.0.0.1:") || len(cluster.CertificateAuthorityData) == 0 ||
		len(user.ClientCertificateData) == 0 || len(user.ClientKeyData) == 0 {
		t.Fatalf("the kubeconfig: server %q, want https on loopback, with the CA and a client certificate embedded", cluster.Server)
	}
	labCA := x509.NewCertPool()
	if !labCA.AppendCertsFromPEM(cluster.CertificateAuthorityData) {
		t.Fatal("the kubeconfig's CA is not PEM")
	}
	labCert, err := tls.X509KeyPair(user.ClientCertificateData, user.ClientKeyData)
	if err != nil {
		t.Fatal(err)
	}
	tokenBytes, err := os.ReadFile(filepath.Join(l.home, "pki", "token"))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tokenBytes))

	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: labCA, Certificates: certs},
		}}
	}
	get := func(t *testing.T, c *http.Client, path, bearer string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, cluster.Server+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	paths := []string{"/", "/api", "/api/v1", "/apis", "/version", "/healthz", "/livez", "/readyz", "/openapi/v2", "/openapi/v3",
		"/api/v1/namespaces/default/pods", "/api/v1/nodes", "/metrics"}
	refused := func(t *testing.T, c *http.Client, bearer string) {
		t.Helper()
		for _, p := range paths {
			code, body := get(t, c, p, bearer)
			var st struct {
				Kind, Status, Message, Reason string
				Code                          int
			}
			if err := json.Unmarshal(body, &st); code != http.StatusUnauthorized || err != nil ||
				st.Kind != "Status" || st.Status != "Failure" || st.Reason != "Unauthorized" || st.Message != "Unauthorized" || st.Code != 401 {
				t.Errorf("GET %s: %d %s, want 401 and upstream's Status (reason Unauthorized)", p, code, body)
			}
		}
	}

	t.Run("no-credentials", func(t *testing.T) { refused(t, client(), "") })
	t.Run("wrong-token", func(t *testing.T) {
		refused(t, client(), "not-the-lab-token")
		refused(t, client(), token+"x")
	})
	t.Run("foreign-client-certificate", func(t *testing.T) {
		// The same subject as the lab's own (podlab, system:masters), signed
		// by a CA of this test's: the TLS handshake goes through (the
		// server asks for, but does not require, a certificate), the
		// request is refused.
		refused(t, client(foreignClientCert(t)), "")
	})
	t.Run("lab-credentials", func(t *testing.T) {
		for name, c := range map[string]struct {
			client *http.Client
			bearer string
		}{"token": {client(), token}, "client-certificate": {client(labCert), ""}} {
			for _, p := range []string{"/api", "/version", "/healthz", "/readyz", "/api/v1/namespaces/default/pods"} {
				if code, body := get(t, c.client, p, c.bearer); code != http.StatusOK {
					t.Errorf("%s: GET %s: %d %s, want 200", name, p, code, body)
				}
			}
			if code, body := get(t, c.client, "/healthz", c.bearer); code != 200 || string(body) != "ok" {
				t.Errorf("%s: /healthz %d %q, want 200 ok", name, code, body)
			}
			var v struct{ GitVersion string }
			if _, body := get(t, c.client, "/version", c.bearer); json.Unmarshal(body, &v) != nil || v.GitVersion != "v1.37.2" {
				t.Errorf("%s: /version %s", name, body)
			}
		}
	})

	t.Run("kubectl", func(t *testing.T) {
		// kubectl with a kubeconfig of the lab's token alone, then of a
		// wrong one: upstream's words for a 401.
		write := func(tok string) string {
			c := cfg.DeepCopy()
			c.AuthInfos[ctx.AuthInfo].ClientCertificateData = nil
			c.AuthInfos[ctx.AuthInfo].ClientKeyData = nil
			c.AuthInfos[ctx.AuthInfo].Token = tok
			path := filepath.Join(t.TempDir(), "kubeconfig")
			if err := clientcmd.WriteToFile(*c, path); err != nil {
				t.Fatal(err)
			}
			return path
		}
		k := &kubectl{bin: kubectlBin, env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "KUBECONFIG=" + write(token)}}
		k.want(t, 0, "ATTRIBUTE   VALUE\nUsername    podlab\nGroups      [system:masters system:authenticated]\n", "auth", "whoami")
		// A fresh home: kubectl's discovery is refused first, and says so.
		k.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "KUBECONFIG=" + write("wrong-token")}
		r := k.run(t, "get", "pods")
		if r.code != 1 || r.stdout != "" || !strings.HasSuffix(r.stderr, "\nerror: You must be logged in to the server (the server has asked for the client to provide credentials)\n") {
			t.Errorf("kubectl get pods with a wrong token: %v", r)
		}
	})

	t.Run("file-modes", func(t *testing.T) {
		l := l.in(t)
		l.kubeconfig() // written again: still the user's alone
		for _, f := range []string{kubeconfig, "pki/token", "pki/client.key", "pki/client.crt", "pki/ca.key", "pki/apiserver.key"} {
			if !filepath.IsAbs(f) {
				f = filepath.Join(l.home, filepath.FromSlash(f))
			}
			fi, err := os.Stat(f)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
				t.Errorf("%s: mode %v, want -rw-------", f, fi.Mode())
			}
		}
		// (The lab's home itself is the test's temporary directory, made
		// before podlab ran.)
		if fi, err := os.Stat(filepath.Join(l.home, "pki")); err != nil || fi.Mode().Perm() != 0o700 || !fi.IsDir() {
			t.Errorf("pki: %v %v, want drwx------", fi.Mode(), err)
		}
	})
}

// foreignClientCert is a client certificate for podlab in system:masters,
// signed by a CA the lab never saw.
func foreignClientCert(t *testing.T) tls.Certificate {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "podlab-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "podlab", Organization: []string{"system:masters"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
