package apiserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/bearertoken"
	"k8s.io/apiserver/pkg/authentication/request/union"
	"k8s.io/apiserver/pkg/authentication/request/websocket"
	x509request "k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/authentication/user"
)

// requestAuthenticator accepts a client certificate signed by the lab's CA (the
// user is its common name, the groups its organizations, as upstream) or one
// of the bearer tokens; nothing else — there is no anonymous access.
func requestAuthenticator(caPEM []byte, users map[string]User) (authenticator.Request, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("apiserver: the lab's CA certificate is not valid PEM")
	}
	opts := x509request.DefaultVerifyOptions()
	opts.Roots = pool
	certs := x509request.New(opts, x509request.CommonNameUserConversion)
	tokens := tokenAuthenticator(users)
	return group.NewAuthenticatedGroupAdder(union.New(
		certs,
		bearertoken.New(tokens),
		websocket.NewProtocolAuthenticator(tokens),
	)), nil
}

// tokenAuthenticator compares tokens in constant time.
func tokenAuthenticator(users map[string]User) authenticator.Token {
	return authenticator.TokenFunc(func(_ context.Context, token string) (*authenticator.Response, bool, error) {
		for t, u := range users {
			if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
				return &authenticator.Response{User: &user.DefaultInfo{Name: u.Name, Groups: u.Groups}}, true, nil
			}
		}
		return nil, false, nil
	})
}

// randomToken is a fresh 256-bit bearer token.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
