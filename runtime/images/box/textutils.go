package box

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(echoMain, "echo")
	register(headMain, "head")
	register(tailMain, "tail")
	register(grepMain, "grep")
	register(wcMain, "wc")
	register(sortMain, "sort")
	register(uniqMain, "uniq")
	register(seqMain, "seq")
	register(yesMain, "yes")
	register(trueMain, "true")
	register(falseMain, "false")
}

func trueMain([]string) int  { return 0 }
func falseMain([]string) int { return 1 }

func echoMain(argv []string) int {
	args := argv[1:]
	newline, escapes := true, false
	for len(args) > 0 && (args[0] == "-n" || args[0] == "-e" || args[0] == "-ne" || args[0] == "-en") {
		newline = newline && !strings.Contains(args[0], "n")
		escapes = escapes || strings.Contains(args[0], "e")
		args = args[1:]
	}
	out := strings.Join(args, " ")
	if escapes {
		out = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(out)
	}
	if newline {
		out += "\n"
	}
	os.Stdout.WriteString(out)
	return 0
}

// countArg reads "-n N" or "-N" from args.
func countArg(args []string, def int) (int, []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-n" && i+1 < len(args):
			n, _ := strconv.Atoi(strings.TrimPrefix(args[i+1], "+"))
			return n, append(append([]string{}, args[:i]...), args[i+2:]...)
		case strings.HasPrefix(a, "-n"):
			n, _ := strconv.Atoi(a[2:])
			return n, append(append([]string{}, args[:i]...), args[i+1:]...)
		case len(a) > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9':
			n, _ := strconv.Atoi(a[1:])
			return n, append(append([]string{}, args[:i]...), args[i+1:]...)
		}
	}
	return def, args
}

func openInput(name string) (io.ReadCloser, error) {
	if name == "-" || name == "" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(name)
}

func headMain(argv []string) int {
	n, files := countArg(argv[1:], 10)
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, f := range files {
		in, err := openInput(f)
		if err != nil {
			return fail(argv[0], "%s: %s", f, errText(err))
		}
		sc := bufio.NewScanner(in)
		for i := 0; i < n && sc.Scan(); i++ {
			fmt.Println(sc.Text())
		}
		in.Close()
	}
	return 0
}

// tailMain prints the last lines (-n N, -N) or bytes (-c N) of a file or
// stdin; with +N (-n +N, -c+N) it prints from line or byte N on, the form
// kubectl cp's resumed copies pipe tar through. -f follows a file.
func tailMain(argv []string) int {
	follow, bytes, fromStart := false, false, false
	n := int64(10)
	var files []string
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-f" || a == "-F":
			follow = true
		case a == "-n" || a == "-c" || strings.HasPrefix(a, "-n") || strings.HasPrefix(a, "-c") ||
			len(a) > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9':
			val := strings.TrimLeft(a[1:], "nc")
			if val == "" && i+1 < len(args) {
				i++
				val = args[i]
			}
			bytes = strings.HasPrefix(a, "-c")
			fromStart = strings.HasPrefix(val, "+")
			v, err := strconv.ParseInt(strings.TrimLeft(val, "+-"), 10, 64)
			if err != nil {
				return fail(argv[0], "invalid number '%s'", val)
			}
			n = v
		default:
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	f := files[0]
	in, err := openInput(f)
	if err != nil {
		return fail(argv[0], "%s: %s", f, errText(err))
	}
	defer in.Close()
	br := bufio.NewReaderSize(in, 64<<10)
	switch {
	case fromStart && bytes:
		if n > 1 {
			io.CopyN(io.Discard, br, n-1)
		}
		io.Copy(os.Stdout, br)
	case fromStart:
		for i := int64(1); i < n; i++ {
			if _, err := br.ReadSlice('\n'); err == bufio.ErrBufferFull {
				i-- // a long line: keep skipping it
			} else if err != nil {
				break
			}
		}
		io.Copy(os.Stdout, br)
	case bytes:
		var last []byte
		buf := make([]byte, 64<<10)
		for {
			k, err := br.Read(buf)
			if last = append(last, buf[:k]...); int64(len(last)) > 2*n+int64(len(buf)) {
				last = append(last[:0], last[int64(len(last))-n:]...)
			}
			if err != nil {
				break
			}
		}
		os.Stdout.Write(last[max(0, int64(len(last))-n):])
	default:
		var lines []string
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				lines = append(lines, line)
				if int64(len(lines)) > n {
					lines = lines[1:]
				}
			}
			if err != nil {
				break
			}
		}
		for _, l := range lines {
			os.Stdout.WriteString(l)
		}
	}
	if !follow || f == "-" {
		return 0
	}
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			os.Stdout.WriteString(line)
		}
		if err != nil {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

func grepMain(argv []string) int {
	args := argv[1:]
	var quiet, invert, icase, count, lineNum bool
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		for _, r := range args[0][1:] {
			switch r {
			case 'q':
				quiet = true
			case 'v':
				invert = true
			case 'i':
				icase = true
			case 'c':
				count = true
			case 'n':
				lineNum = true
			case 'E', 'F', 's':
			}
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return fail(argv[0], "usage: grep [-qvicnE] PATTERN [FILE]...")
	}
	pat := args[0]
	if icase {
		pat = "(?i)" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		re = regexp.MustCompile(regexp.QuoteMeta(args[0]))
	}
	files := args[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	matched := 0
	for _, f := range files {
		in, err := openInput(f)
		if err != nil {
			fail(argv[0], "%s: %s", f, errText(err))
			continue
		}
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for i := 1; sc.Scan(); i++ {
			if re.MatchString(sc.Text()) == invert {
				continue
			}
			matched++
			if quiet {
				in.Close()
				return 0
			}
			if !count {
				prefix := ""
				if len(files) > 1 {
					prefix = f + ":"
				}
				if lineNum {
					prefix += strconv.Itoa(i) + ":"
				}
				fmt.Println(prefix + sc.Text())
			}
		}
		in.Close()
	}
	if count {
		fmt.Println(matched)
	}
	if matched == 0 {
		return 1
	}
	return 0
}

func wcMain(argv []string) int {
	f, files := flags(argv[1:])
	if len(files) == 0 {
		files = []string{"-"}
	}
	all := !f['l'] && !f['w'] && !f['c']
	for _, name := range files {
		in, err := openInput(name)
		if err != nil {
			return fail(argv[0], "%s: %s", name, errText(err))
		}
		data, _ := io.ReadAll(in)
		in.Close()
		var cols []string
		if all || f['l'] {
			cols = append(cols, fmt.Sprintf("%7d", strings.Count(string(data), "\n")))
		}
		if all || f['w'] {
			cols = append(cols, fmt.Sprintf("%7d", len(strings.Fields(string(data)))))
		}
		if all || f['c'] {
			cols = append(cols, fmt.Sprintf("%7d", len(data)))
		}
		if name != "-" {
			cols = append(cols, name)
		}
		fmt.Println(strings.Join(cols, " "))
	}
	return 0
}

func readLines(files []string) ([]string, error) {
	if len(files) == 0 {
		files = []string{"-"}
	}
	var lines []string
	for _, f := range files {
		in, err := openInput(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		in.Close()
	}
	return lines, nil
}

func sortMain(argv []string) int {
	f, files := flags(argv[1:])
	lines, err := readLines(files)
	if err != nil {
		return fail(argv[0], "%s", errText(err))
	}
	if f['n'] {
		sort.SliceStable(lines, func(i, j int) bool {
			a, _ := strconv.ParseFloat(strings.Fields(lines[i] + " 0")[0], 64)
			b, _ := strconv.ParseFloat(strings.Fields(lines[j] + " 0")[0], 64)
			return a < b
		})
	} else {
		sort.Strings(lines)
	}
	if f['r'] {
		for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
			lines[i], lines[j] = lines[j], lines[i]
		}
	}
	for _, l := range lines {
		fmt.Println(l)
	}
	return 0
}

func uniqMain(argv []string) int {
	f, files := flags(argv[1:])
	lines, err := readLines(files)
	if err != nil {
		return fail(argv[0], "%s", errText(err))
	}
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		if f['c'] {
			fmt.Printf("%7d %s\n", j-i, lines[i])
		} else {
			fmt.Println(lines[i])
		}
		i = j
	}
	return 0
}

func seqMain(argv []string) int {
	args := argv[1:]
	first, step, last := 1, 1, 0
	var err error
	switch len(args) {
	case 1:
		last, err = strconv.Atoi(args[0])
	case 2:
		first, _ = strconv.Atoi(args[0])
		last, err = strconv.Atoi(args[1])
	case 3:
		first, _ = strconv.Atoi(args[0])
		step, _ = strconv.Atoi(args[1])
		last, err = strconv.Atoi(args[2])
	default:
		return fail(argv[0], "usage: seq [FIRST [INC]] LAST")
	}
	if err != nil || step == 0 {
		return fail(argv[0], "invalid number")
	}
	for i := first; (step > 0 && i <= last) || (step < 0 && i >= last); i += step {
		fmt.Println(i)
	}
	return 0
}

func yesMain(argv []string) int {
	s := "y"
	if len(argv) > 1 {
		s = strings.Join(argv[1:], " ")
	}
	w := bufio.NewWriter(os.Stdout)
	for {
		if _, err := w.WriteString(s + "\n"); err != nil {
			return 0
		}
	}
}
