package box

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

func init() { register(tarMain, "tar") }

// tarMain is tar on Go's archive/tar: what `kubectl cp` runs in a
// container, and the everyday forms a learner types in a busybox pod.
//
//	tar -xmf - -C DIR                      kubectl cp into a pod (after `test -d`)
//	tar --no-same-permissions --no-same-owner -xmf - -C DIR    ... --no-preserve
//	tar cf - PATH                          kubectl cp out of a pod
//	sh -c "tar cf - 'PATH' | tail -c+N"    ... resuming, with --retries
//	tar cvf|czf ARCHIVE [-C DIR] FILE...   tar xvf|xzf ARCHIVE [-C DIR] [MEMBER...]
//	tar tf|tvf ARCHIVE [MEMBER...]
//
// Options bundle after a dash (-xzvf) or, old style, without one (xzvf);
// "-" or no -f is stdin/stdout. Supported: -c -x -t, -f ARCHIVE, -C DIR (on
// create it applies to the FILEs after it, as in GNU tar), -v (twice: long
// listing), -z (gzip; reading detects it anyway), -m (don't restore mtimes),
// -p, -o, -O (extract to stdout), and the long forms --create --extract --get
// --list --file --directory --verbose --gzip --touch --same-permissions
// --no-same-permissions --same-owner --no-same-owner --numeric-owner
// --to-stdout --strip-components=N --help. As root, extraction restores
// modes and numeric owners, as GNU tar does.
//
// The usual messages: "tar: X: No such file or directory" (busybox's), and
// GNU tar's for the rest; a bad member is reported, tar goes on and exits 1;
// a usage error exits 2.
//
// Extraction keeps tar's safety rules: leading "/" are stripped ("Removing
// leading `/' from member names"); a member whose name holds ".." is refused
// ("Member name contains '..'"); and every write goes through os.Root, so
// nothing lands outside DIR, even through a symlink. On create, names lose
// leading "/" and any part up to a ".." component, with the same warning.
func tarMain(argv []string) int {
	o, err := parseTar(argv[1:])
	if err != nil {
		return tarUsageError(err.Error())
	}
	if o.help {
		os.Stdout.WriteString(tarUsage)
		return 0
	}
	switch {
	case o.mode == 'c' && len(o.operands) == 0:
		return tarUsageError("Cowardly refusing to create an empty archive")
	case o.mode == 'c' && o.file == "-" && term.IsTerminal(int(os.Stdout.Fd())):
		return tarUsageError("Refusing to write archive contents to terminal (missing -f option?)")
	case o.mode != 'c' && o.file == "-" && term.IsTerminal(int(os.Stdin.Fd())):
		return tarUsageError("Refusing to read archive contents from terminal (missing -f option?)")
	}
	r := &tarRun{tarOpts: o, warned: map[string]bool{}, vout: os.Stdout}
	if (o.mode == 'c' && o.file == "-") || o.toStdout {
		r.vout = os.Stderr // stdout carries data
	}
	if o.mode == 'c' {
		r.create()
	} else {
		r.read()
	}
	if r.failed {
		return 1
	}
	return 0
}

const tarUsage = `Usage: tar -c|-x|-t [-vzmpoO] [-f ARCHIVE] [-C DIR] [FILE|MEMBER]...
  -c  create an archive of FILEs      -x  extract (MEMBERs, or all)
  -t  list the archive                -f  ARCHIVE file, - for stdin/stdout
  -C  change to DIR first             -v  verbose (-vv: long listing)
  -z  gzip                            -m  don't restore modification times
  -p  restore modes exactly           -o  don't restore owners
  -O  extract files to stdout         --strip-components=N
  --no-same-permissions  --no-same-owner  --same-owner
`

func tarUsageError(msg string) int {
	fmt.Fprintf(os.Stderr, "tar: %s\nTry 'tar --help' or 'tar --usage' for more information.\n", msg)
	return 2
}

type tarOpts struct {
	mode      byte   // 'c', 'x' or 't'
	file      string // the archive; "-" is stdin or stdout
	dir       string // -C: where x extracts (the last one)
	verbose   int
	gzip      bool
	touch     bool // -m: extracted files get the current time
	samePerms bool // modes exactly as archived, not masked by the umask
	sameOwner bool // owners as archived
	toStdout  bool
	strip     int
	help      bool
	operands  []tarOperand
}

// tarOperand is a FILE to archive, or a MEMBER to extract or list; dir is
// the -C in effect where it was named (create reads FILE there).
type tarOperand struct{ dir, name string }

// parseTar reads GNU tar's three option styles: old (first word without a
// dash, letters taking the following words as arguments in turn), short
// bundles (-xzf ARCHIVE, -fARCHIVE) and long (--file=ARCHIVE, --file ARCHIVE).
func parseTar(args []string) (*tarOpts, error) {
	root := os.Geteuid() == 0
	o := &tarOpts{file: "-", dir: ".", samePerms: root, sameOwner: root}
	cdir := "."
	set := func(c byte, val string) error {
		switch c {
		case 'c', 'x', 't':
			if o.mode != 0 && o.mode != c {
				return fmt.Errorf("You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option")
			}
			o.mode = c
		case 'f':
			o.file = val
		case 'C':
			cdir, o.dir = val, val
		case 'v':
			o.verbose++
		case 'z':
			o.gzip = true
		case 'm':
			o.touch = true
		case 'p':
			o.samePerms = true
		case 'P': // --no-same-permissions
			o.samePerms = false
		case 'o':
			o.sameOwner = false
		case 'U': // --same-owner
			o.sameOwner = true
		case 'O':
			o.toStdout = true
		case 'S':
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: Invalid number of elements", val)
			}
			o.strip = n
		case 'h':
			o.help = true
		case 'n': // --numeric-owner: owners are always numeric here
		default:
			return fmt.Errorf("invalid option -- '%c'", c)
		}
		return nil
	}
	takesArg := func(c byte) bool { return c == 'f' || c == 'C' }
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		letters, rest := args[0], args[1:]
		for i := 0; i < len(letters); i++ {
			if !strings.ContainsRune(tarShort, rune(letters[i])) {
				return nil, fmt.Errorf("invalid option -- '%c'", letters[i])
			}
			val := ""
			if takesArg(letters[i]) {
				if len(rest) == 0 {
					return nil, fmt.Errorf("option requires an argument -- '%c'", letters[i])
				}
				val, rest = rest[0], rest[1:]
			}
			if err := set(letters[i], val); err != nil {
				return nil, err
			}
		}
		args = rest
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, n := range args[i+1:] {
				o.operands = append(o.operands, tarOperand{cdir, n})
			}
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			c, ok := tarLong[name]
			if !ok {
				return nil, fmt.Errorf("unrecognized option '%s'", a)
			}
			if takesArg(c) || c == 'S' {
				if !hasVal {
					if i+1 == len(args) {
						return nil, fmt.Errorf("option '--%s' requires an argument", name)
					}
					i++
					val = args[i]
				}
			} else if hasVal {
				return nil, fmt.Errorf("option '--%s' doesn't allow an argument", name)
			}
			if err := set(c, val); err != nil {
				return nil, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				if !strings.ContainsRune(tarShort, rune(c)) {
					return nil, fmt.Errorf("invalid option -- '%c'", c)
				}
				val := ""
				if takesArg(c) {
					if val = a[j+1:]; val == "" {
						if i+1 == len(args) {
							return nil, fmt.Errorf("option requires an argument -- '%c'", c)
						}
						i++
						val = args[i]
					}
					j = len(a)
				}
				if err := set(c, val); err != nil {
					return nil, err
				}
			}
		default:
			o.operands = append(o.operands, tarOperand{cdir, a})
		}
	}
	if o.mode == 0 && !o.help {
		return nil, fmt.Errorf("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options")
	}
	return o, nil
}

// tarShort are the short options; tarLong maps long ones to the letter
// set() handles (P, U, S, h and n only stand for long options).
const tarShort = "cxtfCvzmpoO"

var tarLong = map[string]byte{
	"create": 'c', "extract": 'x', "get": 'x', "list": 't', "file": 'f', "directory": 'C',
	"verbose": 'v', "gzip": 'z', "gunzip": 'z', "ungzip": 'z', "touch": 'm',
	"same-permissions": 'p', "preserve-permissions": 'p', "no-same-permissions": 'P',
	"same-owner": 'U', "no-same-owner": 'o', "numeric-owner": 'n', "to-stdout": 'O',
	"strip-components": 'S', "help": 'h',
}

// tarRun is one tar invocation: its options and the errors met so far
// (tar carries on past a bad member and fails at the end).
type tarRun struct {
	*tarOpts
	failed bool
	warned map[string]bool
	vout   io.Writer // verbose output
}

func (r *tarRun) errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tar: "+format+"\n", args...)
	r.failed = true
}

// warnOnce prints tar's "Removing leading ..." warning once per prefix.
func (r *tarRun) warnOnce(prefix, what string) {
	if key := prefix + what; !r.warned[key] {
		r.warned[key] = true
		fmt.Fprintf(os.Stderr, "tar: Removing leading `%s' from %s\n", prefix, what)
	}
}

// longListing is one line of tar -tv: "-rw-r--r-- root/root  12 2024-05-01 10:00 name".
func longListing(h *tar.Header, name string) string {
	owner := h.Uname
	if owner == "" {
		owner = strconv.Itoa(h.Uid)
	}
	group := h.Gname
	if group == "" {
		group = strconv.Itoa(h.Gid)
	}
	ug := owner + "/" + group
	size := strconv.FormatInt(h.Size, 10)
	if h.Typeflag == tar.TypeChar || h.Typeflag == tar.TypeBlock {
		size = fmt.Sprintf("%d,%d", h.Devmajor, h.Devminor)
	}
	line := fmt.Sprintf("%s %s %*s %s %s", modeString(h), ug, max(18-len(ug), len(size)), size,
		h.ModTime.Local().Format("2006-01-02 15:04"), name)
	switch h.Typeflag {
	case tar.TypeSymlink:
		line += " -> " + h.Linkname
	case tar.TypeLink:
		line += " link to " + h.Linkname
	}
	return line
}

// modeString renders a header's type and permission bits as ls -l does.
func modeString(h *tar.Header) string {
	kind := map[byte]byte{tar.TypeDir: 'd', tar.TypeSymlink: 'l', tar.TypeLink: 'h', tar.TypeChar: 'c',
		tar.TypeBlock: 'b', tar.TypeFifo: 'p'}[h.Typeflag]
	if kind == 0 {
		kind = '-'
	}
	b := []byte{kind}
	m := h.Mode
	for i, c := range "rwxrwxrwx" {
		if m&(1<<(8-i)) != 0 {
			b = append(b, byte(c))
		} else {
			b = append(b, '-')
		}
	}
	special := func(bit int64, at int, lower, upper byte) {
		if m&bit != 0 {
			if b[at] == 'x' {
				b[at] = lower
			} else {
				b[at] = upper
			}
		}
	}
	special(0o4000, 3, 's', 'S')
	special(0o2000, 6, 's', 'S')
	special(0o1000, 9, 't', 'T')
	return string(b)
}
