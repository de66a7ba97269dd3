package multinode

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"rapport/internal/auth"
	"rapport/internal/cluster/clustertest"
	"rapport/internal/porttest"
	"rapport/internal/practicetest"
	"rapport/internal/store/storetest"
)

// binary is the rapport command the tests run, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rapport-multinode-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "rapport")
	// Built without the race detector even under -race: three race-checked
	// nodes a test are slow enough on two cores to blur the times the
	// tests check, and the cluster's code runs race-checked in its own
	// package's tests.
	build := exec.Command("go", "build", "-o", binary, "rapport/cmd/rapport")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rapport:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// practice is what the nodes of one test share: a database, and (for a
// cluster) a Redis prefix.
type practice struct {
	t           *testing.T
	databaseURL string
	redisURL    string // empty: nodes without Redis
	prefix      string
}

// newPractice makes a fresh PostgreSQL schema, and a Redis prefix when
// clustered.
func newPractice(t *testing.T, clustered bool) *practice {
	p := &practice{t: t, databaseURL: storetest.URL(t, "postgres")}
	if clustered {
		p.redisURL, p.prefix = clustertest.RedisURL(t), clustertest.Prefix(t)
	}
	return p
}

// node is one `rapport serve` process.
type node struct {
	ID   string
	URL  string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done
}

// syncBuffer collects a process's output for a failing test's log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is the node's settings.
func (p *practice) env(id string, port int, dataDir string) []string {
	env := append(os.Environ(),
		"HOST=127.0.0.1", "PORT="+strconv.Itoa(port), "RAPPORT_DATA_DIR="+dataDir, "DATABASE_URL="+p.databaseURL,
		"SESSION_SECRET=the-same-session-secret-on-every-node-of-the-test", "LOG_LEVEL=info", "NODE_ID="+id)
	if p.redisURL != "" {
		env = append(env, "REDIS_URL="+p.redisURL, "REDIS_PREFIX="+p.prefix)
	}
	return env
}

// start runs a node; it does not wait for it to answer (see ready).
func (p *practice) start(id string) *node {
	t := p.t
	t.Helper()
	dataDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dataDir, auth.DevTokenFile), []byte(practicetest.DevToken), 0o600); err != nil {
		t.Fatal(err)
	}
	port := porttest.Free(t)
	n := &node{ID: id, URL: "http://127.0.0.1:" + strconv.Itoa(port), out: &syncBuffer{}, done: make(chan struct{})}
	n.cmd = exec.Command(binary, "serve")
	n.cmd.Env = p.env(id, port, dataDir)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.err = n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-n.done:
		case <-time.After(30 * time.Second):
			n.cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			t.Logf("node %s said:\n%s", n.ID, n.out.String())
		}
	})
	return n
}

// startReady runs a node and waits for it to answer.
func (p *practice) startReady(id string) *node {
	p.t.Helper()
	n := p.start(id)
	n.ready(p.t)
	return n
}

// ready waits until the node answers its health check.
func (n *node) ready(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(n.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-n.done:
			t.Fatalf("node %s exited before it answered (%v):\n%s", n.ID, n.err, n.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s did not answer within a minute:\n%s", n.ID, n.out.String())
		}
	}
}

// kill ends the node at once (SIGKILL), as a crash would.
func (n *node) kill(t *testing.T) {
	t.Helper()
	n.cmd.Process.Kill()
	<-n.done
}

// stop asks the node to stop (SIGTERM) and waits for it.
func (n *node) stop(t *testing.T) {
	t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("node %s did not stop within a minute of SIGTERM:\n%s", n.ID, n.out.String())
	}
}
