package reconcile

import "testing"

func TestExpectationsWaitForEveryCreationAndDeletion(t *testing.T) {
	e := NewExpectations()
	if !e.Satisfied("default/web") {
		t.Fatal("an owner with no record is not satisfied")
	}
	e.Expect("default/web", 2, []string{"default/web-a"})
	for _, step := range []struct {
		observe func()
		want    bool
	}{
		{func() { e.CreationObserved("default/web") }, false},
		{func() { e.DeletionObserved("default/web", "default/web-a") }, false},
		{func() { e.CreationObserved("default/web") }, true},
	} {
		step.observe()
		if got := e.Satisfied("default/web"); got != step.want {
			t.Fatalf("satisfied %v, want %v", got, step.want)
		}
	}
	e.Expect("default/web", 1, nil)
	e.Forget("default/web")
	if !e.Satisfied("default/web") {
		t.Error("a forgotten owner still waits")
	}
}
