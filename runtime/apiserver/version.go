package apiserver

import (
	"runtime"
	"strings"

	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"k8s.io/component-base/compatibility"

	"github.com/podlab/podlab/internal/version"
)

// effectiveVersion makes /version name the Kubernetes release whose API the
// lab serves (the k8s.io/api release in go.mod), so kubectl of that release
// sees no version skew.
func effectiveVersion() compatibility.EffectiveVersion {
	v := strings.TrimPrefix(version.KubernetesVersion, "v")
	return labVersion{compatibility.NewEffectiveVersionFromString(v, "", "")}
}

type labVersion struct {
	compatibility.MutableEffectiveVersion
}

func (l labVersion) Info() *apimachineryversion.Info {
	info := l.MutableEffectiveVersion.Info()
	info.GitVersion = version.KubernetesVersion
	info.GitCommit = version.Commit()
	info.GitTreeState = "clean"
	info.GoVersion = runtime.Version()
	info.Compiler = runtime.Compiler
	info.Platform = runtime.GOOS + "/" + runtime.GOARCH
	return info
}
