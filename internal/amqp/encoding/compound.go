package encoding

// Compound tracks a list or map being written. The header is reserved in
// its 32-bit form and shrunk on End when the body turns out to be small,
// which keeps encoding single-pass.
type Compound struct {
	w     *Buffer
	start int
	count int
	isMap bool

	// lastEnd and lastCount remember where the last non-null element ended,
	// so End can drop trailing nulls (part 2, 2.7 allows it for
	// performatives and it is what every peer sends).
	trimNulls bool
	fieldEnd  int
	lastEnd   int
	lastCount int
}

const compoundHeader = 9 // code, 4-byte size, 4-byte count

// List starts a list. Call Next after each element and End at the end.
func (w *Buffer) List() Compound {
	return w.compound(false, false)
}

// Fields starts a list of performative fields: trailing nulls are dropped.
func (w *Buffer) Fields() Compound {
	return w.compound(false, true)
}

// Map starts a map. Call Next after each key and after each value.
func (w *Buffer) Map() Compound {
	return w.compound(true, false)
}

func (w *Buffer) compound(isMap, trim bool) Compound {
	start := len(w.b)
	w.b = append(w.b, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	return Compound{w: w, start: start, isMap: isMap, trimNulls: trim,
		fieldEnd: start + compoundHeader, lastEnd: start + compoundHeader}
}

// Next counts the element just written.
func (c *Compound) Next() {
	c.count++
	if !c.trimNulls {
		return
	}
	end := len(c.w.b)
	if !(end-c.fieldEnd == 1 && c.w.b[c.fieldEnd] == CodeNull) {
		c.lastEnd, c.lastCount = end, c.count
	}
	c.fieldEnd = end
}

// End completes the header in the smallest encoding that fits.
func (c *Compound) End() {
	w := c.w
	if c.trimNulls {
		w.b = w.b[:c.lastEnd]
		c.count = c.lastCount
	}
	body := len(w.b) - c.start - compoundHeader
	code8, code32 := byte(CodeList8), byte(CodeList32)
	if c.isMap {
		code8, code32 = CodeMap8, CodeMap32
	}
	switch {
	case c.count == 0 && !c.isMap:
		w.b = append(w.b[:c.start], CodeList0)
	case body+1 <= 255 && c.count <= 255:
		w.b[c.start] = code8
		w.b[c.start+1] = byte(body + 1)
		w.b[c.start+2] = byte(c.count)
		n := copy(w.b[c.start+3:], w.b[c.start+compoundHeader:])
		w.b = w.b[:c.start+3+n]
	default:
		w.b[c.start] = code32
		w.PutUint32At(c.start+1, uint32(body+4))
		w.PutUint32At(c.start+5, uint32(c.count))
	}
}
