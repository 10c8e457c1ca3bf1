package kubectl

import (
	"context"
	"errors"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/printers"
)

// watch prints the current objects, then one per change, as kubectl get -w.
// One name is watched through a metadata.name field selector; several names
// are printed, then refused, as kubectl's resource builder refuses to watch
// more than one source.
func (kc *kubectl) watch(ctx context.Context, cl client.Interface, t target, f getFlags, opts metav1.ListOptions) error {
	ns := kc.NS()
	if f.allNamespaces || !t.res.Namespaced {
		ns = ""
	}
	var list []api.Object
	var rv string
	if len(t.names) > 1 {
		for _, name := range t.names {
			o, err := cl.Get(ctx, t.res, kc.NS(), name)
			if err != nil {
				return err
			}
			list = append(list, o)
		}
	} else {
		if len(t.names) == 1 {
			opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", t.names[0]).String()
		}
		var err error
		list, rv, err = cl.List(ctx, t.res, ns, opts)
		if err != nil {
			return err
		}
		if len(t.names) == 1 && len(list) == 0 {
			return apierrors.NewNotFound(t.res.GroupResource(), t.names[0])
		}
	}
	p := kc.newWatchPrinter(t, f)
	p.headers()
	if !f.watchOnly {
		if t.res.Name == api.Events.Name {
			sortEvents(list)
		}
		for _, o := range list {
			if err := p.print(o); err != nil {
				return err
			}
		}
	}
	p.tw.Flush()
	if len(t.names) > 1 {
		return errors.New("you may only watch a single resource or type of resource at a time")
	}
	ch, err := cl.Watch(ctx, t.res, ns, client.ResumeFrom(opts, rv))
	if err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			if err := p.print(ev.Object.(api.Object)); err != nil {
				return err
			}
			p.tw.Flush()
		}
	}
}

// watchPrinter prints a watch's objects one at a time in the -o format.
type watchPrinter struct {
	kc    *kubectl
	res   api.Resource
	f     getFlags
	topts printers.TableOptions
	tw    *printers.StreamTable
}

func (kc *kubectl) newWatchPrinter(t target, f getFlags) *watchPrinter {
	return &watchPrinter{kc: kc, res: t.res, f: f, topts: kc.tableOptions(f, f.allNamespaces && t.res.Namespaced), tw: printers.NewStreamTable(kc.Stdout)}
}

// write adds a row to the table; the caller flushes.
func (p *watchPrinter) write(cells []string) { p.tw.Row(cells) }

// headers prints the table's or the custom columns' headers.
func (p *watchPrinter) headers() {
	if cc, ok := p.f.template.(*printers.CustomColumns); ok {
		if h := cc.Headers(); h != nil {
			p.write(h)
		}
		return
	}
	if !p.f.generic() && !p.f.noHeaders {
		p.write(printers.Headers(p.res, p.topts))
	}
}

func (p *watchPrinter) print(o api.Object) error {
	if cc, ok := p.f.template.(*printers.CustomColumns); ok {
		cells, err := cc.Row(o)
		if err == nil {
			p.write(cells)
		}
		return err
	}
	switch {
	case p.f.template != nil:
		return p.f.template.PrintObjects(p.kc.Stdout, []api.Object{o}, false)
	case p.f.generic():
		return printers.PrintObjects(p.kc.Stdout, p.f.output, p.res, []api.Object{o}, false)
	}
	p.topts.Now = time.Now()
	cells, err := printers.Row(p.res, o, p.topts)
	if err == nil {
		p.write(cells)
	}
	return err
}
