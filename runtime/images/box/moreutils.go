package box

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// More of busybox's everyday utilities, the ones tutorials' one-liners use:
// tr, cut, basename, dirname, which, chmod, timeout, base64, xargs, df and
// sed's substitute and delete commands.
func init() {
	register(trMain, "tr")
	register(cutMain, "cut")
	register(basenameMain, "basename")
	register(dirnameMain, "dirname")
	register(whichMain, "which")
	register(chmodMain, "chmod")
	register(timeoutMain, "timeout")
	register(base64Main, "base64")
	register(xargsMain, "xargs")
	register(dfMain, "df")
	register(sedMain, "sed")
}

// expandSet expands tr's ranges: "a-z" → "abc…z".
func expandSet(s string) []rune {
	s = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(s)
	switch s {
	case "[:upper:]":
		s = "A-Z"
	case "[:lower:]":
		s = "a-z"
	case "[:digit:]":
		s = "0-9"
	case "[:space:]":
		s = " \t\n\r\v\f"
	}
	r := []rune(s)
	var out []rune
	for i := 0; i < len(r); i++ {
		if i+2 < len(r) && r[i+1] == '-' && r[i] <= r[i+2] {
			for c := r[i]; c <= r[i+2]; c++ {
				out = append(out, c)
			}
			i += 2
			continue
		}
		out = append(out, r[i])
	}
	return out
}

// trMain translates, deletes (-d) or squeezes (-s) characters; -c takes
// the complement of SET1. Flags combine as in busybox: -cd, -ds, -cs.
func trMain(argv []string) int {
	args := argv[1:]
	var del, squeeze, complement bool
	for len(args) > 0 && len(args[0]) > 1 && strings.HasPrefix(args[0], "-") && strings.Trim(args[0][1:], "cdsC") == "" {
		del = del || strings.Contains(args[0], "d")
		squeeze = squeeze || strings.Contains(args[0], "s")
		complement = complement || strings.ContainsAny(args[0], "cC")
		args = args[1:]
	}
	need := 2 // translating, and -ds, take two sets; -d or -s alone one
	if del != squeeze {
		need = 1
	}
	if len(args) < need {
		return fail(argv[0], "usage: tr [-cds] SET1 [SET2]")
	}
	in1 := map[rune]bool{}
	set1 := expandSet(args[0])
	for _, c := range set1 {
		in1[c] = true
	}
	inSet1 := func(c rune) bool { return in1[c] != complement }
	var set2 []rune
	if len(args) > 1 {
		set2 = expandSet(args[1])
	}
	// translate maps a character of SET1 to SET2 (its last character once
	// SET2 runs out, and always for a complemented SET1).
	translate := func(c rune) rune {
		if del || len(set2) == 0 || !inSet1(c) {
			return c
		}
		if !complement {
			for i, s := range set1 {
				if s == c && i < len(set2) {
					return set2[i]
				}
			}
		}
		return set2[len(set2)-1]
	}
	// Squeezing applies to the last set given: SET2 when there is one.
	inSqueeze := inSet1
	if len(set2) > 0 {
		in2 := map[rune]bool{}
		for _, c := range set2 {
			in2[c] = true
		}
		inSqueeze = func(c rune) bool { return in2[c] }
	}
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	last, wrote := rune(0), false
	for {
		c, _, err := in.ReadRune()
		if err != nil {
			return 0
		}
		if del && inSet1(c) {
			continue
		}
		c = translate(c)
		if squeeze && wrote && c == last && inSqueeze(c) {
			continue
		}
		out.WriteRune(c)
		last, wrote = c, true
	}
}

// cutList is cut's LIST: positions 1, 3, ranges 2-4, -3 and an open end 5-.
type cutList struct {
	want map[int]bool
	from int // every position from here on; 0: none
}

func parseCutList(list string) cutList {
	l := cutList{want: map[int]bool{}}
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		switch {
		case !isRange:
			l.want[a] = true
		case hi == "":
			if l.from == 0 || a < l.from {
				l.from = max(a, 1)
			}
		default:
			for n := max(a, 1); n <= b; n++ {
				l.want[n] = true
			}
		}
	}
	return l
}

func (l cutList) has(pos int) bool { return l.want[pos] || (l.from > 0 && pos >= l.from) }

// cutMain selects fields (-f, split on -d, a TAB by default) or characters
// (-c, -b) of every line. A line without the delimiter is printed whole, as
// cut does unless -s.
func cutMain(argv []string) int {
	delim, list, chars, onlyDelimited := "\t", "", false, false
	var files []string
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-d" && i+1 < len(args):
			delim, i = args[i+1], i+1
		case strings.HasPrefix(a, "-d"):
			delim = a[2:]
		case a == "-s":
			onlyDelimited = true
		case (a == "-f" || a == "-c" || a == "-b") && i+1 < len(args):
			list, chars, i = args[i+1], a != "-f", i+1
		case strings.HasPrefix(a, "-f"), strings.HasPrefix(a, "-c"), strings.HasPrefix(a, "-b"):
			list, chars = a[2:], a[1] != 'f'
		default:
			files = append(files, a)
		}
	}
	if list == "" {
		return fail(argv[0], "usage: cut [-b|-c LIST | -f LIST [-d DELIM] [-s]] [FILE]...")
	}
	sel := parseCutList(list)
	lines, err := readLines(files)
	if err != nil {
		return fail(argv[0], "%s", errText(err))
	}
	for _, l := range lines {
		if chars {
			var b strings.Builder
			for i, r := range []rune(l) {
				if sel.has(i + 1) {
					b.WriteRune(r)
				}
			}
			fmt.Println(b.String())
			continue
		}
		if !strings.Contains(l, delim) {
			if !onlyDelimited {
				fmt.Println(l)
			}
			continue
		}
		var out []string
		for i, p := range strings.Split(l, delim) {
			if sel.has(i + 1) {
				out = append(out, p)
			}
		}
		fmt.Println(strings.Join(out, delim))
	}
	return 0
}

func basenameMain(argv []string) int {
	if len(argv) < 2 {
		return fail(argv[0], "usage: basename PATH [SUFFIX]")
	}
	b := filepath.Base(argv[1])
	if len(argv) > 2 {
		b = strings.TrimSuffix(b, argv[2])
	}
	fmt.Println(b)
	return 0
}

func dirnameMain(argv []string) int {
	if len(argv) < 2 {
		return fail(argv[0], "usage: dirname PATH")
	}
	fmt.Println(filepath.Dir(argv[1]))
	return 0
}

func whichMain(argv []string) int {
	code := 0
	for _, name := range argv[1:] {
		p, err := exec.LookPath(name)
		if err != nil {
			code = 1
			continue
		}
		fmt.Println(p)
	}
	return code
}

func chmodMain(argv []string) int {
	if len(argv) < 3 {
		return fail(argv[0], "usage: chmod MODE FILE...")
	}
	code := 0
	for _, f := range argv[2:] {
		fi, err := os.Stat(f)
		if err != nil {
			code = fail(argv[0], "%s", errText(err))
			continue
		}
		mode, err := parseMode(argv[1], fi.Mode().Perm())
		if err != nil {
			return fail(argv[0], "invalid mode '%s'", argv[1])
		}
		if err := os.Chmod(f, mode); err != nil {
			code = fail(argv[0], "%s", errText(err))
		}
	}
	return code
}

// parseMode reads an octal mode (755) or a simple symbolic one (+x, u+w, a-r, go-w).
func parseMode(s string, cur os.FileMode) (os.FileMode, error) {
	if n, err := strconv.ParseUint(s, 8, 32); err == nil {
		return os.FileMode(n), nil
	}
	m := regexp.MustCompile(`^([ugoa]*)([+-=])([rwx]+)$`).FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("bad mode")
	}
	who := m[1]
	if who == "" || strings.Contains(who, "a") {
		who = "ugo"
	}
	var bits os.FileMode
	for _, w := range who {
		shift := map[rune]uint{'u': 6, 'g': 3, 'o': 0}[w]
		for _, p := range m[3] {
			bits |= os.FileMode(map[rune]uint32{'r': 4, 'w': 2, 'x': 1}[p]) << shift
		}
	}
	switch m[2] {
	case "+":
		return cur | bits, nil
	case "-":
		return cur &^ bits, nil
	}
	return bits, nil
}

// timeoutMain runs a command and sends it SIGTERM after the duration; its
// exit code is 124 then, as coreutils' and busybox's timeout.
func timeoutMain(argv []string) int {
	args := argv[1:]
	sig := syscall.SIGTERM
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if (args[0] == "-s" || args[0] == "--signal") && len(args) > 1 {
			if s, ok := parseSignal(args[1]); ok {
				sig = s
			}
			args = args[2:]
			continue
		}
		args = args[1:]
	}
	if len(args) < 2 {
		return fail(argv[0], "usage: timeout [-s SIG] DURATION COMMAND [ARG]...")
	}
	d, err := parseSleep(args[0])
	if err != nil {
		return fail(argv[0], "invalid time interval '%s'", args[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(sig) }
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return 124
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return fail(argv[0], "%s", errText(err))
	}
	return 0
}

// parseSleep reads sleep's and timeout's durations: 5, 1.5, 2m, 1h, 1d.
func parseSleep(s string) (time.Duration, error) {
	unit := time.Second
	switch {
	case strings.HasSuffix(s, "s"):
		s = strings.TrimSuffix(s, "s")
	case strings.HasSuffix(s, "m"):
		s, unit = strings.TrimSuffix(s, "m"), time.Minute
	case strings.HasSuffix(s, "h"):
		s, unit = strings.TrimSuffix(s, "h"), time.Hour
	case strings.HasSuffix(s, "d"):
		s, unit = strings.TrimSuffix(s, "d"), 24*time.Hour
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad duration")
	}
	return time.Duration(f * float64(unit)), nil
}

// base64Main encodes (wrapping at 76 columns, -w N; -w 0 does not wrap) or
// decodes (-d) a file or stdin.
func base64Main(argv []string) int {
	decode, wrap := false, 76
	var file string
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		width, isWrap := "", true
		switch {
		case a == "-d" || a == "--decode":
			decode, isWrap = true, false
		case (a == "-w" || a == "--wrap") && i+1 < len(args):
			width, i = args[i+1], i+1
		case strings.HasPrefix(a, "--wrap="):
			width = strings.TrimPrefix(a, "--wrap=")
		case strings.HasPrefix(a, "-w"):
			width = a[2:]
		default:
			file, isWrap = a, false
		}
		if isWrap {
			n, err := strconv.Atoi(width)
			if err != nil || n < 0 {
				return fail(argv[0], "invalid number '%s'", width)
			}
			wrap = n
		}
	}
	in := io.Reader(os.Stdin)
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fail(argv[0], "%s", errText(err))
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return fail(argv[0], "%s", errText(err))
	}
	if decode {
		out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(data)), ""))
		if err != nil {
			return fail(argv[0], "invalid input")
		}
		os.Stdout.Write(out)
		return 0
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for wrap > 0 && len(enc) > wrap {
		fmt.Println(enc[:wrap])
		enc = enc[wrap:]
	}
	fmt.Println(enc)
	return 0
}

// xargsMain runs COMMAND (default echo) once with every word of stdin
// appended, N words at a time with -n N, or once per line with -I STR
// (STR in the arguments replaced by the line). Option values may be attached
// (-n1, -I{}) or separate (-n 1, -I {}).
func xargsMain(argv []string) int {
	args := argv[1:]
	perCall, replace := 0, ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		opt, val := args[0][:2], args[0][2:]
		args = args[1:]
		if (opt == "-n" || opt == "-I") && val == "" {
			if len(args) == 0 {
				return fail(argv[0], "option requires an argument -- '%c'", opt[1])
			}
			val, args = args[0], args[1:]
		}
		switch opt {
		case "-n":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return fail(argv[0], "invalid number '%s'", val)
			}
			perCall = n
		case "-I":
			replace, perCall = val, 1
		}
	}
	if len(args) == 0 {
		args = []string{"echo"}
	}
	data, _ := io.ReadAll(os.Stdin)
	items := strings.Fields(string(data))
	if replace != "" {
		items = strings.FieldsFunc(string(data), func(r rune) bool { return r == '\n' })
	}
	if perCall <= 0 {
		perCall = max(1, len(items))
	}
	code := 0
	for i := 0; i < len(items) || (i == 0 && len(items) == 0); i += perCall {
		batch := items[i:min(i+perCall, len(items))]
		cmdArgs := append([]string{}, args[1:]...)
		if replace != "" {
			for j := range cmdArgs {
				cmdArgs[j] = strings.ReplaceAll(cmdArgs[j], replace, strings.Join(batch, " "))
			}
		} else {
			cmdArgs = append(cmdArgs, batch...)
		}
		cmd := exec.Command(args[0], cmdArgs...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			code = 123
		}
	}
	return code
}

func dfMain(argv []string) int {
	paths := argv[1:]
	if len(paths) == 0 || strings.HasPrefix(paths[0], "-") {
		paths = []string{"/"}
	}
	fmt.Printf("%-20s %10s %10s %10s %4s %s\n", "Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on")
	for _, p := range paths {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err != nil {
			return fail(argv[0], "%s: %s", p, errText(err))
		}
		total := st.Blocks * uint64(st.Bsize) / 1024
		free := st.Bavail * uint64(st.Bsize) / 1024
		used := total - st.Bfree*uint64(st.Bsize)/1024
		pct := 0
		if used+free > 0 {
			pct = int((used*100 + used + free - 1) / (used + free))
		}
		fmt.Printf("%-20s %10d %10d %10d %3d%% %s\n", "overlay", total, used, free, pct, p)
	}
	return 0
}
