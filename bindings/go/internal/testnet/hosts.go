package testnet

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Root is the repository's root directory.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Join(filepath.Dir(file), "../../../..")
}

// Hosts makes n test hosts (namespaces mr-h1..mr-hN, 10.77.0.I) for the test
// and removes them after it. Skips unless root inside tests/netns/isolated.
func Hosts(t *testing.T, n int) *TestHosts {
	t.Helper()
	RequireIsolated(t)
	if os.Getenv("MICROREG_ISOLATED") != "1" || os.Geteuid() != 0 {
		t.Skip("skipped: test hosts need root inside tests/netns/isolated")
	}
	h := &TestHosts{script: filepath.Join(Root(t), "tests/netns/hosts")}
	Run(t, h.script, "up", strconv.Itoa(n))
	t.Cleanup(func() { _ = exec.Command(h.script, "down").Run() })
	return h
}

// TestHosts are the namespaces of one test.
type TestHosts struct{ script string }

// Addr is host i's IPv4 address.
func (h *TestHosts) Addr(i int) string { return "10.77.0." + strconv.Itoa(i) }

// Start runs a command on host i as a Peer; env is added to the environment.
func (h *TestHosts) Start(t *testing.T, i int, env []string, command ...string) *Peer {
	t.Helper()
	args := append([]string{"exec", strconv.Itoa(i)}, command...)
	return StartPeer(t, exec.Command(h.script, args...), env...)
}

// Run runs a command and fails the test if it fails.
func Run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// Peer is a process of a multi-host test. Its protocol: it prints a line
// "<word> <text>" when it has something to report, and ends when its standard
// input closes.
type Peer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

// StartPeer starts cmd with env added; it is killed at the end of the test.
func StartPeer(t *testing.T, cmd *exec.Cmd, env ...string) *Peer {
	t.Helper()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	p := &Peer{cmd: cmd, stdin: stdin, lines: make(chan string, 64)}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		scanner := bufio.NewScanner(stdout)
		scanner.Buffer(nil, 1<<20)
		for scanner.Scan() {
			p.lines <- scanner.Text()
		}
		close(p.lines)
	}()
	return p
}

// Await waits for the peer's line starting with word and returns the rest.
func (p *Peer) Await(t *testing.T, word string) string {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("%v ended before printing %q", p.cmd.Args, word)
			}
			if rest, ok := strings.CutPrefix(line, word+" "); ok {
				return rest
			}
			t.Logf("peer: %s", line)
		case <-deadline:
			t.Fatalf("%v printed no %q within 90 s", p.cmd.Args, word)
		}
	}
}

// Finish closes the peer's standard input and checks that it exits cleanly.
func (p *Peer) Finish(t *testing.T) {
	t.Helper()
	_ = p.stdin.Close()
	for line := range p.lines {
		t.Logf("peer: %s", line)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("%v: %v", p.cmd.Args, err)
	}
}

// WaitForStdinEOF is the end of a peer process: it returns when the test
// closes the peer's standard input.
func WaitForStdinEOF() { _, _ = io.Copy(io.Discard, os.Stdin) }
