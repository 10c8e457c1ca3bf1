package exercises

// Exercise is a chapter's exercise: objectives that verify themselves,
// ordered hints, a solution, and what to set up and clean away.
type Exercise struct {
	Title      string      `yaml:"title"`
	Objectives []Objective `yaml:"objectives"`
	Hints      []string    `yaml:"hints"`
	Solution   Steps       `yaml:"solution"`
	Setup      Steps       `yaml:"setup,omitempty"`
	Cleanup    Cleanup     `yaml:"cleanup,omitempty"`
}

// Objective is one thing the learner must achieve.
type Objective struct {
	ID    string `yaml:"id"`
	Text  string `yaml:"text"`
	Check Check  `yaml:"check"`
	// Hint is shown while this objective fails.
	Hint string `yaml:"hint,omitempty"`
}

// Steps are manifests to apply and podlab commands (kubectl's verbs) to run,
// against the lab: nothing runs on the learner's machine.
type Steps struct {
	Manifests []string   `yaml:"manifests,omitempty"`
	Commands  [][]string `yaml:"commands,omitempty"`
}

// Cleanup names objects the exercise's reset removes, and commands it runs
// to undo changes that are not objects of their own (a node's taint or
// label); a command that fails (nothing left to undo) is not an error.
type Cleanup struct {
	Delete   []ObjectRef `yaml:"delete,omitempty"`
	Commands [][]string  `yaml:"commands,omitempty"`
}

// AllowedVerbs are the podlab commands a pack may run: they only act on the
// lab through its API (no node, no host files, no lab lifecycle).
var AllowedVerbs = map[string]bool{
	"apply": true, "create": true, "delete": true, "label": true, "annotate": true,
	"exec": true, "get": true, "describe": true, "logs": true,
	"taint": true, "cordon": true, "uncordon": true, "drain": true, "wait": true,
	"scale": true, "set": true, "rollout": true,
}
