package kubectl

import "github.com/podlab/podlab/ui/cli/printers"

// parseOutput checks -o and builds its template printer (jsonpath,
// custom-columns) when it names one.
func (f *getFlags) parseOutput() error {
	switch f.output {
	case "", "wide", "yaml", "json", "name":
		return nil
	}
	p, ok, err := printers.NewGeneric(f.output, f.noHeaders)
	if !ok {
		return printers.UnknownFormatError(f.output)
	}
	f.template = p
	return err
}

// generic tells whether -o prints objects rather than kubectl's table:
// those formats print an empty List instead of "No resources found".
func (f *getFlags) generic() bool {
	switch f.output {
	case "", "wide":
		return false
	}
	return true
}
