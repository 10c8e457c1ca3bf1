// Package cli is podlab's kubectl-shaped command line.
package cli

// Main runs the command line with args (without the program name) and returns the exit code.
func Main(args []string) int { return 0 }
