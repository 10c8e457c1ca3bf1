package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
)

// Run runs the app on the terminal until the learner quits.
func Run(ctx context.Context, opts Options) error {
	p := tea.NewProgram(New(opts), tea.WithContext(ctx))
	_, err := p.Run()
	if err == tea.ErrProgramKilled && ctx.Err() != nil {
		return nil
	}
	return err
}
