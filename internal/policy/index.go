package policy

// bucketKey addresses the rules of one (IdP, resource) pair; anyIdP and
// anyRes mark the wildcard side of rules whose idps or resources list is nil.
type bucketKey struct {
	idp, res       string
	anyIdP, anyRes bool
}

// index maps each (IdP, resource) pair to the enabled rules that can match
// it, in policy order. A rule with an empty (non-nil) idps or resources list
// matches nothing and is in no bucket.
type index struct {
	buckets map[bucketKey][]*rule
}

func buildIndex(rules []*rule) index {
	x := index{buckets: make(map[bucketKey][]*rule)}
	for _, r := range rules {
		if r.disabled {
			continue
		}
		idps := keysOf(&r.idps)
		ress := keysOf(&r.resources)
		for _, idp := range idps {
			for _, res := range ress {
				k := bucketKey{idp: idp, res: res, anyIdP: r.idps.anyValue, anyRes: r.resources.anyValue}
				b := x.buckets[k]
				// Rules arrive in policy order; a duplicate value in a
				// list would otherwise add the rule twice.
				if len(b) == 0 || b[len(b)-1] != r {
					x.buckets[k] = append(b, r)
				}
			}
		}
	}
	return x
}

// keysOf lists the bucket keys of one side of a rule: its distinct values,
// or the single wildcard key "" for a nil list.
func keysOf(m *matcher) []string {
	if m.anyValue {
		return []string{""}
	}
	return m.vals
}

// candidates returns the rules that can match (idp, res), merged in policy
// order. Every rule is in at most one of the four buckets for a given pair,
// because its bucket kind is fixed by which of its lists are nil.
func (x *index) candidates(idp, res string) cursor {
	return cursor{lists: [4][]*rule{
		x.buckets[bucketKey{idp: idp, res: res}],
		x.buckets[bucketKey{idp: idp, anyRes: true}],
		x.buckets[bucketKey{res: res, anyIdP: true}],
		x.buckets[bucketKey{anyIdP: true, anyRes: true}],
	}}
}

// cursor is a four-way merge of index buckets by policy order.
type cursor struct {
	lists [4][]*rule
}

// next returns the next candidate rule, or nil at the end.
func (c *cursor) next() *rule {
	best := -1
	for i := range c.lists {
		if len(c.lists[i]) == 0 {
			continue
		}
		if best < 0 || c.lists[i][0].index < c.lists[best][0].index {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	r := c.lists[best][0]
	c.lists[best] = c.lists[best][1:]
	return r
}
