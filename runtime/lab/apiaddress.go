package lab

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	clientcmd "k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/podlab/podlab/runtime/labhome"
	"github.com/podlab/podlab/runtime/labpki"
)

// listenAPI listens on loopback for the API's TLS endpoint: on the port the
// lab used before, so kubeconfigs keep working, else on a free port it
// then records.
func listenAPI(home labhome.Home) (net.Listener, error) {
	if b, err := os.ReadFile(home.APIAddressFile()); err == nil {
		if ln, err := net.Listen("tcp", strings.TrimSpace(string(b))); err == nil {
			return ln, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(home.APIAddressFile(), []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// WriteKubeconfig (re)writes the lab's kubeconfig for the API address the
// control plane recorded, and returns its path (`podlab kubeconfig`).
func WriteKubeconfig(home labhome.Home) (string, error) {
	b, err := os.ReadFile(home.APIAddressFile())
	if err != nil {
		return "", fmt.Errorf("the lab has not served its API yet (start it with \"podlab up\"): %w", err)
	}
	creds, err := labpki.Ensure(home.PKIDir())
	if err != nil {
		return "", err
	}
	return home.Kubeconfig(), writeKubeconfig(home, "https://"+strings.TrimSpace(string(b)), creds)
}

// writeKubeconfig writes the lab's kubeconfig (mode 0600): one cluster,
// user and context named after the lab, the learner's client certificate
// embedded, the default namespace.
func writeKubeconfig(home labhome.Home, server string, b *labpki.Bundle) error {
	name := home.Name()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: b.CACert}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: b.ClientCert, ClientKeyData: b.ClientKey}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: "default"}
	cfg.CurrentContext = name
	return clientcmd.WriteToFile(*cfg, home.Kubeconfig())
}
