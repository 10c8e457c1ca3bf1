package box

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPty opens a pseudo-terminal pair: the master (what a terminal
// emulator holds) and the slave (the terminal a shell runs on).
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	ioctl := func(req uintptr, arg *int32) error {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), req, uintptr(unsafe.Pointer(arg))); e != 0 {
			return e
		}
		return nil
	}
	var unlock, n int32
	if err := ioctl(syscall.TIOCSPTLCK, &unlock); err != nil {
		m.Close()
		t.Fatalf("unlockpt: %v", err)
	}
	if err := ioctl(syscall.TIOCGPTN, &n); err != nil {
		m.Close()
		t.Fatalf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open the pty's slave: %v", err)
	}
	return m, s
}

// ptyApplet is an applet running on a terminal of its own, as `kubectl
// exec -it` runs one: a session leader whose controlling terminal is the
// pty, so that the keys ^C, ^\ and ^D work as they do in a container.
type ptyApplet struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	bin    string        // its PATH
	done   chan struct{} // closed when the output ends

	mu   sync.Mutex
	out  []byte
	seen int // how far expect has read
}

func startPtyApplet(t *testing.T, argv ...string) *ptyApplet {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "sleep")); err != nil {
		t.Fatal(err)
	}
	if path, err := exec.LookPath("sleep"); err == nil { // the host's, if it has one
		os.Symlink(path, filepath.Join(bin, "c-sleep"))
	}
	master, slave := openPty(t)
	cmd := &exec.Cmd{Path: self, Args: argv, Dir: "/", Env: append(os.Environ(), "BOX_TEST_APPLET=1", "PATH="+bin)}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	p := &ptyApplet{t: t, cmd: cmd, master: master, bin: bin, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.out = append(p.out, buf[:n]...)
			p.mu.Unlock()
			if err != nil {
				return // EIO once the terminal's last process is gone
			}
		}
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		master.Close()
	})
	return p
}

// send types keys on the terminal.
func (p *ptyApplet) send(keys string) {
	p.t.Helper()
	if _, err := p.master.WriteString(keys); err != nil {
		p.t.Fatalf("typing %q: %v", keys, err)
	}
}

// expect waits until the output after what earlier calls matched holds
// want, and moves past it.
func (p *ptyApplet) expect(want string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p.mu.Lock()
		i := bytes.Index(p.out[p.seen:], []byte(want))
		if i >= 0 {
			p.seen += i + len(want)
		}
		rest := string(p.out[p.seen:])
		all := string(p.out)
		p.mu.Unlock()
		if i >= 0 {
			return
		}
		select {
		case <-p.done:
			p.t.Fatalf("the terminal's output ended without %q; after the last match: %q\nall of it:\n%s", want, rest, all)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %q within %v; after the last match: %q\nall of it:\n%s", want, timeout, rest, all)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// run types a command line and waits for its echo.
func (p *ptyApplet) run(line string) {
	p.t.Helper()
	p.send(line + "\n")
	p.expect(line+"\r\n", 5*time.Second)
}

// interrupt types key (^C or ^\) while the command typed last runs, and
// checks the shell is back at its prompt (after what is printed) well
// before the command's 5 seconds.
func (p *ptyApplet) interrupt(key, printed string) {
	p.t.Helper()
	time.Sleep(300 * time.Millisecond) // let the command start
	start := time.Now()
	p.send(key)
	p.expect(printed+"/ # ", 3*time.Second)
	if d := time.Since(start); d > 3*time.Second {
		p.t.Fatalf("the prompt came back %v after the key", d)
	}
}

// status checks $?.
func (p *ptyApplet) status(want int) {
	p.t.Helper()
	p.run(`echo "status $?"`)
	p.expect(fmt.Sprintf("status %d\r\n/ # ", want), 5*time.Second)
}

// exit waits for the applet's end and returns its wait status.
func (p *ptyApplet) exit(timeout time.Duration) syscall.WaitStatus {
	p.t.Helper()
	ended := make(chan struct{})
	go func() { p.cmd.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(timeout):
		p.mu.Lock()
		defer p.mu.Unlock()
		p.t.Fatalf("still running %v later; its terminal shows:\n%s", timeout, p.out)
	}
	return p.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

func TestInteractiveShellCtrlCEndsTheCommandNotTheShell(t *testing.T) {
	p := startPtyApplet(t, "sh")
	p.expect("/ # ", 5*time.Second)

	// The command dies of ^C; the shell prints a newline and a new prompt.
	p.run("sleep 5")
	p.interrupt("\x03", "^C\r\n")
	p.status(130)

	// At the prompt, ^C discards the line and gives a new prompt.
	p.send("\x03")
	p.expect("^C\r\n/ # ", 3*time.Second)
	p.status(130)
	p.send(`echo "never`)
	p.send("\x03")
	p.expect("^C\r\n/ # ", 3*time.Second)
	p.run(`echo "unquoted`)
	p.expect("> ", 3*time.Second)
	p.send("\x03")
	p.expect("^C\r\n/ # ", 3*time.Second)
	p.run("echo fresh")
	p.expect("fresh\r\n/ # ", 3*time.Second)

	// ^C stops the whole command line: a loop, the commands after it.
	p.run("while true; do sleep 1; done")
	p.interrupt("\x03", "^C\r\n")
	p.status(130)
	p.run("sleep 5; echo not-reached")
	p.interrupt("\x03", "^C\r\n")
	p.status(130)

	// A background job is out of the keyboard's reach; a wait for it is not.
	p.run("sleep 1 & job=$!")
	p.expect("/ # ", 3*time.Second)
	p.run("sleep 5")
	p.interrupt("\x03", "^C\r\n")
	p.run(`wait $job; echo "job $?"`)
	p.expect("job 0\r\n/ # ", 5*time.Second)
	p.run("sleep 1 & wait")
	p.interrupt("\x03", "^C\r\n")
	p.status(130)

	// ^\ ends the command too (a C program's way: the box's applets are Go
	// programs, which dump their goroutines and exit 2), and the shell goes on.
	if _, err := os.Stat(filepath.Join(p.bin, "c-sleep")); err == nil {
		p.run("c-sleep 5")
		p.interrupt("\x1c", "^\\Quit\r\n")
		p.status(131)
	}
	p.run("sleep 5")
	p.interrupt("\x1c", "")
	p.status(2)

	// ^Z stops nothing: without job control nothing could resume it.
	p.run("sleep 1")
	time.Sleep(300 * time.Millisecond)
	p.send("\x1a")
	p.expect("^Z/ # ", 3*time.Second)
	p.status(0)

	// A syntax error costs the line, not the shell.
	p.run("echo )")
	p.expect("/ # ", 3*time.Second)
	p.status(2)

	// ^D at the prompt ends the shell with the status of the last command.
	p.run("false")
	p.expect("/ # ", 3*time.Second)
	p.send("\x04")
	ws := p.exit(5 * time.Second)
	if ws.Signaled() || ws.ExitStatus() != 1 {
		t.Fatalf("after false and ^D the shell ended with %v, want exit status 1", ws)
	}
	<-p.done
	if strings.Contains(string(p.out), "\nnot-reached") {
		t.Fatalf("the commands after an interrupted one ran:\n%s", p.out)
	}
}

func TestInteractiveShellTrapOnINT(t *testing.T) {
	p := startPtyApplet(t, "sh", "-i")
	p.expect("/ # ", 5*time.Second)

	// As in a script: the command dies, the action runs, the line goes on.
	p.run("trap 'echo trapped' INT")
	p.expect("/ # ", 3*time.Second)
	p.run("sleep 5; echo next")
	p.interrupt("\x03", "^Ctrapped\r\nnext\r\n")
	p.send("\x03")
	p.expect("^Ctrapped\r\n/ # ", 3*time.Second)

	// Ignored, ^C reaches neither the shell nor its commands.
	p.run("trap '' INT")
	p.expect("/ # ", 3*time.Second)
	p.run("sleep 1")
	time.Sleep(300 * time.Millisecond)
	p.send("\x03")
	p.expect("^C/ # ", 3*time.Second)
	p.status(0)

	// Reset, ^C is the interactive shell's again.
	p.run("trap - INT")
	p.expect("/ # ", 3*time.Second)
	p.run("sleep 5")
	p.interrupt("\x03", "^C\r\n")
	p.status(130)
	p.run("exit 3")
	if ws := p.exit(5 * time.Second); ws.Signaled() || ws.ExitStatus() != 3 {
		t.Fatalf("exit 3 ended the shell with %v", ws)
	}
}

func TestShellScriptDiesOfCtrlC(t *testing.T) {
	// `sh -c` on a terminal is no interactive shell: ^C ends it (and its
	// command), as it ends busybox's.
	p := startPtyApplet(t, "sh", "-c", "echo ready; sleep 5; echo not-reached")
	p.expect("ready\r\n", 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	p.send("\x03")
	ws := p.exit(3 * time.Second)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("sh -c after ^C: %v, want it killed by SIGINT", ws)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("sh -c ended %v after ^C", d)
	}
	<-p.done
	if strings.Contains(string(p.out), "\nnot-reached") {
		t.Fatalf("sh -c went on after ^C:\n%s", p.out)
	}
}
