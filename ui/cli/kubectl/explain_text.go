package kubectl

import (
	"strings"
	"unicode"
)

// wrapWords breaks s at whitespace so lines stay within width runes, the way
// kubectl's explain wraps descriptions (go-wordwrap's rules): newlines in s
// are kept, a word longer than width gets a line of its own instead of being
// cut, and the spaces where a line breaks are dropped.
func wrapWords(s string, width int) string {
	var out strings.Builder
	var word, spaces strings.Builder
	lineLen, wordLen, spaceLen := 0, 0, 0
	flush := func() {
		lineLen += spaceLen + wordLen
		out.WriteString(spaces.String())
		out.WriteString(word.String())
		spaces.Reset()
		word.Reset()
		spaceLen, wordLen = 0, 0
	}
	for _, r := range s {
		switch {
		case r == '\n':
			if wordLen == 0 && lineLen+spaceLen > width {
				spaces.Reset() // trailing spaces that would overflow vanish
				spaceLen = 0
			}
			flush()
			out.WriteRune('\n')
			lineLen = 0
		case unicode.IsSpace(r) && r != '\u00a0':
			if spaceLen == 0 || wordLen > 0 {
				flush()
			}
			spaces.WriteRune(r)
			spaceLen++
		default:
			word.WriteRune(r)
			wordLen++
			if lineLen+spaceLen+wordLen > width && wordLen < width {
				out.WriteRune('\n')
				lineLen = 0
				spaces.Reset()
				spaceLen = 0
			}
		}
	}
	if wordLen == 0 && lineLen+spaceLen > width {
		spaces.Reset()
		spaceLen = 0
	}
	flush()
	return out.String()
}

// indentLines prefixes s and every line after a newline with n spaces
// (so a trailing newline leaves an indented empty line, as kubectl's does).
func indentLines(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}
