package box

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func init() {
	register(sleepMain, "sleep")
	register(psMain, "ps")
	register(killMain, "kill")
	register(hostnameMain, "hostname")
	register(envMain, "env", "printenv")
	register(dateMain, "date")
	register(idMain, "id")
	register(whoamiMain, "whoami")
	register(unameMain, "uname")
	register(pwdMain, "pwd")
	register(freeMain, "free")
	register(mountMain, "mount")
}

// sleepMain sleeps for the sum of its arguments (N, Ns, Nm, Nh, Nd, fractions,
// or "infinity"), and exits at once on SIGTERM like a process without handlers.
func sleepMain(argv []string) int {
	if len(argv) < 2 {
		return fail(argv[0], "missing operand")
	}
	var total time.Duration
	for _, a := range argv[1:] {
		if a == "infinity" || a == "inf" {
			total = math.MaxInt64
			break
		}
		d, err := parseSleep(a)
		if err != nil {
			return fail(argv[0], "invalid number '%s'", a)
		}
		total += d
	}
	time.Sleep(total)
	return 0
}

type procInfo struct {
	pid  int
	uid  int
	cpu  time.Duration
	cmd  string
	stat string
}

func readProcs() []procInfo {
	entries, _ := os.ReadDir("/proc")
	var out []procInfo
	hz := 100.0 // USER_HZ on Linux
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", e.Name())
		p := procInfo{pid: pid}
		if b, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && len(b) > 0 {
			p.cmd = strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
		}
		if b, err := os.ReadFile(filepath.Join(dir, "stat")); err == nil {
			s := string(b)
			if i := strings.LastIndex(s, ")"); i > 0 {
				if p.cmd == "" {
					if j := strings.Index(s, "("); j >= 0 {
						p.cmd = "[" + s[j+1:i] + "]"
					}
				}
				fields := strings.Fields(s[i+1:])
				if len(fields) > 13 {
					p.stat = fields[0]
					ut, _ := strconv.ParseFloat(fields[11], 64)
					st, _ := strconv.ParseFloat(fields[12], 64)
					p.cpu = time.Duration((ut + st) / hz * float64(time.Second))
				}
			}
		}
		if b, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "Uid:" {
					p.uid, _ = strconv.Atoi(f[1])
				}
			}
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out
}

func userName(uid int) string {
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Split(line, ":")
			if len(f) > 2 && f[2] == strconv.Itoa(uid) {
				return f[0]
			}
		}
	}
	return strconv.Itoa(uid)
}

// psMain lists processes the way busybox's ps does (PID USER TIME COMMAND);
// option letters such as aux or -ef are accepted and change nothing.
func psMain(argv []string) int {
	fmt.Println("PID   USER     TIME  COMMAND")
	for _, p := range readProcs() {
		mins := int(p.cpu.Minutes())
		secs := int(p.cpu.Seconds()) % 60
		fmt.Printf("%5d %-8s %2d:%02d %s\n", p.pid, userName(p.uid), mins, secs, p.cmd)
	}
	return 0
}

// linuxSignals names the signals by number, as busybox's kill -l lists them.
var linuxSignals = []string{1: "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL",
	"USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
	"TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS"}

func parseSignal(s string) (syscall.Signal, bool) {
	s = strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if n, err := strconv.Atoi(s); err == nil {
		return syscall.Signal(n), true
	}
	for n, name := range linuxSignals {
		if name != "" && (name == s || s == "IO" && name == "POLL" || s == "IOT" && name == "ABRT") {
			return syscall.Signal(n), true
		}
	}
	return 0, false
}

// killList is kill -l: every signal as " N) NAME", or for each operand the
// name of a number (an exit status above 128 names its signal) or the
// number of a name.
func killList(name string, args []string) int {
	if len(args) == 0 {
		for n, s := range linuxSignals {
			if s != "" {
				fmt.Printf("%2d) %s\n", n, s)
			}
		}
		return 0
	}
	for _, a := range args {
		if n, err := strconv.Atoi(a); err == nil {
			if n &= 0x7f; n > 0 && n < len(linuxSignals) {
				fmt.Println(linuxSignals[n])
			} else {
				fmt.Println(n)
			}
			continue
		}
		sig, ok := parseSignal(a)
		if !ok {
			return fail(name, "unknown signal '%s'", a)
		}
		fmt.Println(int(sig))
	}
	return 0
}

func killMain(argv []string) int {
	args := argv[1:]
	sig := syscall.SIGTERM
	if len(args) > 0 && args[0] == "-l" {
		return killList(argv[0], args[1:])
	}
	if len(args) > 1 && args[0] == "-s" {
		s, ok := parseSignal(args[1])
		if !ok {
			return fail(argv[0], "bad signal name '%s'", args[1])
		}
		sig, args = s, args[2:]
	} else if len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		s, ok := parseSignal(args[0][1:])
		if !ok {
			return fail(argv[0], "bad signal name '%s'", args[0][1:])
		}
		sig, args = s, args[1:]
	}
	if len(args) == 0 {
		return fail(argv[0], "usage: kill [-s SIG | -SIG] PID...")
	}
	code := 0
	for _, a := range args {
		pid, err := strconv.Atoi(a)
		if err != nil {
			code = fail(argv[0], "bad pid '%s'", a)
			continue
		}
		if err := syscall.Kill(pid, sig); err != nil {
			code = fail(argv[0], "can't kill pid %d: %v", pid, err)
		}
	}
	return code
}

func hostnameMain(argv []string) int {
	h, err := os.Hostname()
	if err != nil {
		return fail(argv[0], "%v", err)
	}
	if len(argv) > 1 && argv[1] == "-i" {
		if b, err := os.ReadFile("/etc/hosts"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) > 1 && !strings.HasPrefix(f[0], "#") {
					for _, n := range f[1:] {
						if n == h {
							fmt.Println(f[0])
							return 0
						}
					}
				}
			}
		}
		return fail(argv[0], "no IP address for %s", h)
	}
	fmt.Println(h)
	return 0
}

func envMain(argv []string) int {
	if filepath.Base(argv[0]) == "printenv" && len(argv) > 1 {
		code := 0
		for _, n := range argv[1:] {
			v, ok := os.LookupEnv(n)
			if !ok {
				code = 1
				continue
			}
			fmt.Println(v)
		}
		return code
	}
	env := os.Environ()
	args := argv[1:]
	for len(args) > 0 && strings.Contains(args[0], "=") {
		env = append(env, args[0])
		args = args[1:]
	}
	if len(args) == 0 {
		for _, e := range env {
			fmt.Println(e)
		}
		return 0
	}
	path, err := lookPath(args[0])
	if err != nil {
		return fail(argv[0], "can't execute '%s': No such file or directory", args[0])
	}
	if err := syscall.Exec(path, args, env); err != nil {
		return fail(argv[0], "%v", err)
	}
	return 0
}

func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

// dateMain prints the date like busybox ("Tue Nov 24 21:00:00 UTC 2026") or
// with a +FORMAT of the common strftime verbs; -u uses UTC.
func dateMain(argv []string) int {
	now := time.Now()
	format := "+%a %b %e %H:%M:%S %Z %Y"
	for _, a := range argv[1:] {
		switch {
		case a == "-u":
			now = now.UTC()
		case strings.HasPrefix(a, "+"):
			format = a
		}
	}
	fmt.Println(strftime(now, format[1:]))
	return 0
}

func strftime(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			b.WriteString(t.Format("2006"))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'd':
			b.WriteString(t.Format("02"))
		case 'e':
			b.WriteString(t.Format("_2"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'a':
			b.WriteString(t.Format("Mon"))
		case 'b':
			b.WriteString(t.Format("Jan"))
		case 'Z':
			b.WriteString(t.Format("MST"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'T':
			b.WriteString(t.Format("15:04:05"))
		case 'F':
			b.WriteString(t.Format("2006-01-02"))
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

func idMain(argv []string) int {
	uid, gid := os.Getuid(), os.Getgid()
	fmt.Printf("uid=%d(%s) gid=%d(%s)\n", uid, userName(uid), gid, groupName(gid))
	return 0
}

func groupName(gid int) string {
	if b, err := os.ReadFile("/etc/group"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Split(line, ":")
			if len(f) > 2 && f[2] == strconv.Itoa(gid) {
				return f[0]
			}
		}
	}
	return strconv.Itoa(gid)
}

func whoamiMain([]string) int { fmt.Println(userName(os.Getuid())); return 0 }

func unameMain(argv []string) int {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return fail(argv[0], "%v", err)
	}
	str := func(a [65]int8) string {
		b := make([]byte, 0, len(a))
		for _, c := range a {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	f, _ := flags(argv[1:])
	var parts []string
	if f['a'] || f['s'] || len(f) == 0 {
		parts = append(parts, str(u.Sysname))
	}
	if f['a'] || f['n'] {
		parts = append(parts, str(u.Nodename))
	}
	if f['a'] || f['r'] {
		parts = append(parts, str(u.Release))
	}
	if f['a'] || f['v'] {
		parts = append(parts, str(u.Version))
	}
	if f['a'] || f['m'] {
		parts = append(parts, str(u.Machine))
	}
	fmt.Println(strings.Join(parts, " "))
	return 0
}

func pwdMain([]string) int {
	wd, _ := os.Getwd()
	fmt.Println(wd)
	return 0
}

func freeMain(argv []string) int {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return fail(argv[0], "%v", err)
	}
	v := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			v[strings.TrimSuffix(f[0], ":")] = n
		}
	}
	total, free, avail := v["MemTotal"], v["MemFree"], v["MemAvailable"]
	fmt.Printf("%15s %11s %11s %11s %11s\n", "total", "used", "free", "shared", "available")
	fmt.Printf("Mem: %10d %11d %11d %11d %11d\n", total, total-avail, free, v["Shmem"], avail)
	fmt.Printf("Swap: %9d %11d %11d\n", v["SwapTotal"], v["SwapTotal"]-v["SwapFree"], v["SwapFree"])
	return 0
}

func mountMain(argv []string) int {
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return fail(argv[0], "%v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 {
			fmt.Printf("%s on %s type %s (%s)\n", f[0], f[1], f[2], f[3])
		}
	}
	return 0
}
