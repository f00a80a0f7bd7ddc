package lab

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"path"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

// EndpointRepo is the repository of the endpoint image, a layer over the
// base image with the compiled Java endpoint.
const EndpointRepo = "honoctl/lab-endpoint"

// StagedTcnative is where the endpoint image keeps Debian's tcnative under
// the names Netty looks for, ready to be copied into an extensions folder.
const StagedTcnative = "/opt/lab/tcnative"

//go:embed java/*.java
var javaSources embed.FS

// endpointDockerfile compiles the endpoint with the image's own javac
// against the image's Netty, and stages Debian's tcnative.
//
// NOTE: Netty's NativeLibraryLoader looks for libnetty_tcnative*.so and
// checks the resolved path of what it loaded against the name it asked
// for, and Debian names the library libnetty-tcnative.so: a copy under
// the expected name works, a symlink does not.
const endpointDockerfile = `FROM %s
COPY Launcher.java TlsEndpoint.java /opt/lab/src/
RUN set -e; \
    javac -d /opt/lab/launcher /opt/lab/src/Launcher.java; \
    javac -cp "$(ls /usr/share/java/netty-*.jar | grep -v tcnative | tr '\n' :)" \
        -d /opt/lab/classes /opt/lab/src/TlsEndpoint.java; \
    mkdir -p /opt/hono/extensions ` + StagedTcnative + `; \
    cp /usr/share/java/netty-tcnative.jar ` + StagedTcnative + `/netty-tcnative-debian.jar; \
    cp /usr/lib/*/jni/libnetty-tcnative.so ` + StagedTcnative + `/libnetty_tcnative.so
ENTRYPOINT ["java", "-Djava.library.path=/opt/hono/extensions", "-cp", "/opt/lab/launcher", "org.honoctl.lab.Launcher"]
`

// EnsureEndpointImage builds the endpoint image over base unless an image
// of the same sources exists. FROM a local image needs no registry.
func EnsureEndpointImage(ctx context.Context, e *engine.Engine, base *Base) (string, error) {
	files := map[string][]byte{"Dockerfile": fmt.Appendf(nil, endpointDockerfile, base.Ref)}
	entries, err := javaSources.ReadDir("java")
	if err != nil {
		return "", err
	}
	for _, en := range entries {
		b, err := javaSources.ReadFile(path.Join("java", en.Name()))
		if err != nil {
			return "", err
		}
		files[en.Name()] = b
	}
	hash := contentHash(files)
	ref := EndpointRepo + ":" + hash
	cli := e.Client()
	if _, err := cli.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	} else if !cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("image %s: %w", ref, err)
	}

	tarball, err := tarOf(files)
	if err != nil {
		return "", err
	}
	resp, err := cli.ImageBuild(ctx, tarball, build.ImageBuildOptions{
		Tags:        []string{ref},
		Labels:      map[string]string{engine.LabelManaged: "true", engine.LabelContent: hash},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", ref, err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, &out, 0, false, nil); err != nil {
		return "", fmt.Errorf("build image %s: %w\n%s", ref, err, engine.Tail(out.Bytes(), 10))
	}
	return ref, nil
}

// contentHash names files by what they hold, in a stable order.
func contentHash(files map[string][]byte) string {
	h := sha256.New()
	for _, name := range sortedKeys(files) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func tarOf(files map[string][]byte) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		b := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}
