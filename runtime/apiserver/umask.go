package apiserver

import "syscall"

// umask sets the process umask so the socket is never briefly world-accessible.
func umask(mask int) int { return syscall.Umask(mask) }
