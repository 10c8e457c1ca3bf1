package box

import (
	"testing"
	"time"
)

func TestZZDebugPromptInt(t *testing.T) {
	p := startPtyApplet(t, "sh")
	p.expect("/ # ", 5*time.Second)
	for i := 0; i < 30; i++ {
		p.run("echo hi")
		p.expect("hi\r\n/ # ", 3*time.Second)
		p.send("\x03")
		p.expect("^C\r\n/ # ", 3*time.Second)
	}
}
