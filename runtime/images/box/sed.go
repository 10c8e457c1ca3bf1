package box

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// sedCommand is one command of the small sed podlab's box carries:
// [ADDR[,ADDR]]s/RE/REPLACEMENT/[g][p], d, p or q, where an address is a
// line number, $ or /RE/, and two of them select the range from a line
// matching the first to the next one matching the second.
type sedCommand struct {
	from, to *sedAddr // from nil: every line; to nil: a single address
	op       byte
	re       *regexp.Regexp
	repl     string
	global   bool
	print    bool
}

// splitSed reads a delimited field (the RE or replacement of s): up to the
// next unescaped delim; returns it and the rest after the delimiter.
func splitSed(s string, delim byte) (string, string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == delim:
			b.WriteByte(delim)
			i++
		case s[i] == delim:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}

// bre turns a basic regular expression into Go's syntax: \( \) \{ \} \+ \?
// are the operators, their bare forms are literal.
func bre(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && strings.IndexByte("(){}+?|", s[i+1]) >= 0 {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if strings.IndexByte("(){}+?|", c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// sedAddr is a line number, the last line ($) or a regular expression.
type sedAddr struct {
	line int
	last bool
	re   *regexp.Regexp
}

func (a *sedAddr) matches(n int, last bool, line string) bool {
	switch {
	case a.re != nil:
		return a.re.MatchString(line)
	case a.last:
		return last
	}
	return a.line == n
}

// selects tells whether the command applies to line n (1-based), keeping a
// range's state in active. As in POSIX sed, a range's end is looked for
// from the line after its start, and a line-number end at or before the
// start line selects that one line.
func (c *sedCommand) selects(n int, last bool, line string, active *bool) bool {
	switch {
	case c.from == nil:
		return true
	case c.to == nil:
		return c.from.matches(n, last, line)
	case *active:
		*active = !(c.to.matches(n, last, line) || c.to.re == nil && !c.to.last && n >= c.to.line)
		return true
	case !c.from.matches(n, last, line):
		return false
	}
	if c.to.re != nil || c.to.last {
		*active = !last
	} else {
		*active = c.to.line > n
	}
	return true
}

// parseSedAddr reads an address at the start of s, if there is one.
func parseSedAddr(s string, compile func(string) (*regexp.Regexp, error)) (*sedAddr, string, error) {
	switch {
	case s == "":
	case s[0] == '$':
		return &sedAddr{last: true}, s[1:], nil
	case s[0] >= '0' && s[0] <= '9':
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, _ := strconv.Atoi(s[:i])
		return &sedAddr{line: n}, s[i:], nil
	case s[0] == '/':
		re, rest, ok := splitSed(s[1:], '/')
		if !ok {
			return nil, "", fmt.Errorf("unterminated address regex")
		}
		r, err := compile(re)
		if err != nil {
			return nil, "", err
		}
		return &sedAddr{re: r}, rest, nil
	}
	return nil, s, nil
}

func parseSed(script string, extended bool) ([]sedCommand, error) {
	var cmds []sedCommand
	compile := func(re string) (*regexp.Regexp, error) {
		if !extended {
			re = bre(re)
		}
		return regexp.Compile(re)
	}
	s := strings.TrimSpace(script)
	for s != "" {
		var c sedCommand
		var err error
		if c.from, s, err = parseSedAddr(s, compile); err != nil {
			return nil, err
		}
		if c.from != nil && strings.HasPrefix(s, ",") {
			if c.to, s, err = parseSedAddr(s[1:], compile); err != nil {
				return nil, err
			}
			if c.to == nil {
				return nil, fmt.Errorf("unexpected `,'")
			}
		}
		if s == "" {
			return nil, fmt.Errorf("missing command")
		}
		c.op, s = s[0], s[1:]
		switch c.op {
		case 's':
			if s == "" {
				return nil, fmt.Errorf("unterminated `s' command")
			}
			delim := s[0]
			re, rest, ok := splitSed(s[1:], delim)
			if !ok {
				return nil, fmt.Errorf("unterminated `s' command")
			}
			repl, rest, ok := splitSed(rest, delim)
			if !ok {
				return nil, fmt.Errorf("unterminated `s' command")
			}
			r, err := compile(re)
			if err != nil {
				return nil, err
			}
			c.re = r
			// sed's \1 and & become Go's ${1} and ${0}.
			repl = regexp.MustCompile(`\\([0-9])`).ReplaceAllString(strings.ReplaceAll(repl, "$", "$$"), "$${$1}")
			c.repl = regexp.MustCompile(`(^|[^\\])&`).ReplaceAllString(repl, "$1$${0}")
			c.repl = strings.ReplaceAll(c.repl, `\&`, "&")
			for rest != "" && strings.IndexByte("gp", rest[0]) >= 0 {
				c.global = c.global || rest[0] == 'g'
				c.print = c.print || rest[0] == 'p'
				rest = rest[1:]
			}
			s = rest
		case 'd', 'p', 'q':
		default:
			return nil, fmt.Errorf("unsupported command %c (podlab's sed knows s, d, p, q)", c.op)
		}
		cmds = append(cmds, c)
		s = strings.TrimLeft(s, " \t\n;")
	}
	return cmds, nil
}

func sedMain(argv []string) int {
	var scripts, files []string
	quiet, inPlace, extended := false, false, false
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-n":
			quiet = true
		case a == "-i":
			inPlace = true
		case a == "-E" || a == "-r":
			extended = true
		case a == "-e" && i+1 < len(args):
			scripts, i = append(scripts, args[i+1]), i+1
		case len(scripts) == 0 && !strings.HasPrefix(a, "-"):
			scripts = append(scripts, a)
		default:
			files = append(files, a)
		}
	}
	if len(scripts) == 0 {
		return fail(argv[0], "usage: sed [-n] [-i] [-E] [-e] SCRIPT [FILE]...")
	}
	cmds, err := parseSed(strings.Join(scripts, "\n"), extended)
	if err != nil {
		return fail(argv[0], "-e expression #1: %v", err)
	}
	if inPlace {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return fail(argv[0], "%s", errText(err))
			}
			var out strings.Builder
			runSed(cmds, strings.NewReader(string(data)), &out, quiet)
			if err := os.WriteFile(f, []byte(out.String()), 0o644); err != nil {
				return fail(argv[0], "%s", errText(err))
			}
		}
		return 0
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, f := range files {
		in, err := openInput(f)
		if err != nil {
			return fail(argv[0], "%s", errText(err))
		}
		runSed(cmds, in, w, quiet)
		in.Close()
	}
	return 0
}

func runSed(cmds []sedCommand, in io.Reader, out io.Writer, quiet bool) {
	var lines []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	active := make([]bool, len(cmds)) // which ranges are open
	for n, line := range lines {
		deleted, quit := false, false
		for i, c := range cmds {
			if !c.selects(n+1, n == len(lines)-1, line, &active[i]) {
				continue
			}
			switch c.op {
			case 's':
				matched := c.re.MatchString(line)
				if c.global {
					line = c.re.ReplaceAllString(line, c.repl)
				} else if loc := c.re.FindStringSubmatchIndex(line); loc != nil {
					line = line[:loc[0]] + string(c.re.ExpandString(nil, c.repl, line, loc)) + line[loc[1]:]
				}
				if matched && c.print {
					fmt.Fprintln(out, line)
				}
			case 'd':
				deleted = true
			case 'p':
				fmt.Fprintln(out, line)
			case 'q':
				quit = true
			}
			if deleted {
				break
			}
		}
		if !deleted && !quiet {
			fmt.Fprintln(out, line)
		}
		if quit {
			return
		}
	}
}
