package kubectl

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/printers"
)

// explainScheduleCommand is podlab's own explain-schedule (no kubectl
// verb): for a pod, every node with the filter plugin that rejected it, or
// the scores that ranked it, and the node chosen — the scheduler's last
// decision, or, for a pod it has no record of, the one it would make now.
func (kc *kubectl) explainScheduleCommand() *cobra.Command {
	var output string
	c := &cobra.Command{
		Use:   "explain-schedule POD",
		Short: "Show why the scheduler placed a pod on its node (podlab only)",
		Long: `Show the scheduler's decision for a pod: for every node, the filter plugin
that rejected it and why, or each score plugin's score (raw, normalised to
0-100, times the plugin's weight) and the total; the node with the highest
total is chosen. The rules are kube-scheduler's default profile.`,
		Example: "  podlab explain-schedule web\n  podlab explain-schedule web -n team -o json",
		Args:    cobra.ExactArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return kc.completePods(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			for _, prefix := range []string{"pod/", "pods/", "po/"} {
				name = strings.TrimPrefix(name, prefix)
			}
			if output != "" && output != "json" {
				return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json", output)
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			e, err := cl.ExplainSchedule(cmd.Context(), kc.NS(), name)
			if err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(kc.Stdout)
				enc.SetIndent("", "    ")
				return enc.Encode(e)
			}
			printScheduleExplanation(kc.Stdout, e, time.Now())
			return nil
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "Output format: json")
	return c
}

// printScheduleExplanation writes e as a learner reads it: what was
// decided, a line per node, and the table of scores of the feasible nodes.
func printScheduleExplanation(w io.Writer, e client.ScheduleExplanation, now time.Time) {
	fmt.Fprintf(w, "Pod %s/%s: %s\n", e.Namespace, e.Name, printers.ScheduleOutcome(e, now))
	if e.Chosen == "" {
		fmt.Fprintf(w, "  %s\n", e.Message)
	}
	if e.Recomputed {
		fmt.Fprintln(w, "No decision is recorded for this pod (it was placed before the control plane started,")
		fmt.Fprintln(w, "or it named its node itself): this is the decision the scheduler would make now,")
		fmt.Fprintln(w, "against the current cluster, without the pod itself.")
	}
	if e.RunsOn != "" && e.RunsOn != e.Chosen {
		fmt.Fprintf(w, "The pod runs on %s.\n", e.RunsOn)
	}
	if e.Chosen != "" && !e.Scored {
		fmt.Fprintln(w, "Only one node fits, so it is taken without scoring; its scores are shown for comparison.")
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE (* chosen)\tVERDICT\tWHY")
	var feasible []client.ScheduleNode
	for i, v := range printers.ScheduleVerdicts(e) {
		name := v.Node
		if v.Chosen {
			name += " *"
		}
		if v.Feasible {
			feasible = append(feasible, e.Nodes[i])
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, v.Verdict, v.Why)
	}
	tw.Flush()
	if len(feasible) == 0 {
		return
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Scores: weighted (raw → normalised 0-100); weighted = normalised × weight; - = nothing to score for this pod.")
	tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprint(tw, "PLUGIN\tWEIGHT")
	for _, n := range feasible {
		fmt.Fprint(tw, "\t"+n.Name)
	}
	fmt.Fprintln(tw)
	for i, s := range feasible[0].Scores {
		fmt.Fprintf(tw, "%s\t%d", s.Plugin, s.Weight)
		for _, n := range feasible {
			if i >= len(n.Scores) || n.Scores[i].Skipped {
				fmt.Fprint(tw, "\t-")
				continue
			}
			ns := n.Scores[i]
			fmt.Fprintf(tw, "\t%d (%d → %d)", ns.Weighted, ns.Raw, ns.Normalized)
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "TOTAL\t")
	for _, n := range feasible {
		fmt.Fprintf(tw, "\t%d", n.Total)
	}
	fmt.Fprintln(tw)
	tw.Flush()
	if e.Chosen != "" && len(feasible) > 1 {
		fmt.Fprintln(w, "\nThe highest total wins; podlab gives equal totals to the node first by name.")
	}
}
