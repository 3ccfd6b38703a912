package hdf5

import (
	"bytes"
	"fmt"
)

// attributes decodes the object's attribute messages once.
func (o *object) attributes() ([]*Attribute, error) {
	if o.attrsOK {
		return o.attrs, o.attrsErr
	}
	o.attrsOK = true
	for i, m := range o.msgs {
		if m.typ != msgAttribute {
			continue
		}
		a, err := o.parseAttribute(m)
		if err != nil {
			o.attrs, o.attrsErr = nil, fmt.Errorf("hdf5: %s: attribute message %d: %w", o.path, i, err)
			break
		}
		o.attrs = append(o.attrs, a)
	}
	return o.attrs, o.attrsErr
}

func (o *object) attributeNames() ([]string, error) {
	attrs, err := o.attributes()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = a.Name
	}
	return names, nil
}

func (o *object) attribute(name string) (*Attribute, error) {
	attrs, err := o.attributes()
	if err != nil {
		return nil, err
	}
	for _, a := range attrs {
		if a.Name == name {
			return a, nil
		}
	}
	return nil, fmt.Errorf("hdf5: %s: no attribute %q", o.path, name)
}

// parseAttribute decodes an attribute message of version 1 (fields padded
// to 8 bytes), 2 or 3 (unpadded; 3 adds a character set).
func (o *object) parseAttribute(m message) (*Attribute, error) {
	c := o.cursor(m)
	version, flags := c.u8(), c.u8()
	nameSize, dtSize, dsSize := int(c.u16()), int(c.u16()), int(c.u16())
	pad := 1
	switch version {
	case 1:
		pad = 8
	case 2:
	case 3:
		c.skip(1) // name character set
	default:
		if c.err == nil {
			return nil, fmt.Errorf("version %d: expected 1, 2 or 3", version)
		}
	}
	if flags&3 != 0 {
		return nil, fmt.Errorf("shared datatype or dataspace: not supported")
	}
	field := func(n int) []byte {
		b := c.take(n)
		if r := n % pad; r != 0 {
			c.skip(pad - r)
		}
		return b
	}
	nameB, dtB, dsB := field(nameSize), field(dtSize), field(dsSize)
	if c.err != nil {
		return nil, c.err
	}
	// The name size counts a terminating NUL.
	name, _, _ := bytes.Cut(nameB, []byte{0})
	a := &Attribute{Name: string(name), value: value{f: o.f, path: o.path + "@" + string(name)}}
	var err error
	if a.dt, err = parseDatatype(&cursor{b: dtB, osz: o.f.osz, lsz: o.f.lsz}, 0); err != nil {
		return nil, fmt.Errorf("attribute %q: datatype: %w", name, err)
	}
	if a.shape, err = parseDataspace(&cursor{b: dsB, osz: o.f.osz, lsz: o.f.lsz}); err != nil {
		return nil, fmt.Errorf("attribute %q: dataspace: %w", name, err)
	}
	n, err := a.byteSize()
	if err != nil {
		return nil, err
	}
	if a.raw = c.take(int(n)); c.err != nil {
		return nil, fmt.Errorf("attribute %q: data: %w", name, c.err)
	}
	return a, nil
}
