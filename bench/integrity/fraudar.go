package main

import "math"

// Fraudar is the baseline: FRAUDAR (Hooi et al., KDD 2016) on the account ×
// target graph, times ignored as in the paper. Each edge weighs
// 1/log(d+5), d its target's degree (column weighting against
// camouflage); nodes are peeled greedily, the one whose removal costs the
// least weight first, and the block is the set left when the weight per
// node was highest. It finds blocks one after another, each time without
// the accounts of the blocks found before, up to blocks of them.
func Fraudar(w *World, blocks int) [][]int32 {
	na, nt := int(w.Accounts), int(w.Targets)
	m := len(w.Acct)
	// Both sides' adjacency.
	aoff := make([]int32, na+1)
	toff := make([]int32, nt+1)
	for i := range m {
		aoff[w.Acct[i]+1]++
		toff[w.Tgt[i]+1]++
	}
	for a := range na {
		aoff[a+1] += aoff[a]
	}
	for t := range nt {
		toff[t+1] += toff[t]
	}
	aadj := make([]int32, m) // targets of each account
	tadj := make([]int32, m) // accounts of each target
	af := append([]int32(nil), aoff[:na]...)
	tf := append([]int32(nil), toff[:nt]...)
	for i := range m {
		a, t := w.Acct[i], w.Tgt[i]
		aadj[af[a]] = t
		af[a]++
		tadj[tf[t]] = a
		tf[t]++
	}
	af, tf = nil, nil
	weight := make([]float64, nt)
	for t := range nt {
		weight[t] = 1 / math.Log(float64(toff[t+1]-toff[t])+5)
	}

	removed := make([]bool, na) // accounts of blocks found
	var out [][]int32
	h := newHeap(na + nt)
	alive := make([]bool, na+nt)
	order := make([]int32, 0, na+nt)
	for range blocks {
		// Priorities: an account's weight is the sum of its edges', a
		// target's its weight times its live degree.
		h.reset()
		var f float64
		n := 0
		for a := range na {
			alive[a] = false
			if removed[a] || aoff[a+1] == aoff[a] {
				continue
			}
			var s float64
			for _, t := range aadj[aoff[a]:aoff[a+1]] {
				s += weight[t]
			}
			f += s
			alive[a] = true
			h.push(int32(a), s)
			n++
		}
		for t := range nt {
			var d int
			for _, a := range tadj[toff[t]:toff[t+1]] {
				if !removed[a] {
					d++
				}
			}
			alive[na+t] = d > 0
			if d > 0 {
				h.push(int32(na+t), weight[t]*float64(d))
				n++
			}
		}
		if n == 0 {
			break
		}
		best, bestAt := f/float64(n), 0
		order = order[:0]
		for h.len() > 0 {
			v, p := h.pop()
			alive[v] = false
			order = append(order, v)
			f -= p
			n--
			if int(v) < na {
				for _, t := range aadj[aoff[v]:aoff[v+1]] {
					if alive[na+int(t)] {
						h.add(int32(na)+t, -weight[t])
					}
				}
			} else {
				t := int(v) - na
				for _, a := range tadj[toff[t]:toff[t+1]] {
					if alive[a] {
						h.add(a, -weight[t])
					}
				}
			}
			if n > 0 && f/float64(n) > best {
				best, bestAt = f/float64(n), len(order)
			}
		}
		var block []int32
		for _, v := range order[bestAt:] {
			if int(v) < na {
				block = append(block, v)
				removed[v] = true
			}
		}
		if len(block) == 0 {
			break
		}
		out = append(out, block)
	}
	return out
}

// heap is a binary min-heap of nodes by priority, with changes of a
// node's priority in place.
type heap struct {
	nodes []int32
	prio  []float64 // by node
	at    []int32   // node's index in nodes, -1 when out
}

func newHeap(n int) *heap {
	h := &heap{prio: make([]float64, n), at: make([]int32, n)}
	for i := range h.at {
		h.at[i] = -1
	}
	return h
}

func (h *heap) reset() {
	for _, v := range h.nodes {
		h.at[v] = -1
	}
	h.nodes = h.nodes[:0]
}

func (h *heap) len() int { return len(h.nodes) }

func (h *heap) push(v int32, p float64) {
	h.prio[v] = p
	h.at[v] = int32(len(h.nodes))
	h.nodes = append(h.nodes, v)
	h.up(len(h.nodes) - 1)
}

func (h *heap) pop() (int32, float64) {
	v := h.nodes[0]
	last := len(h.nodes) - 1
	h.swap(0, last)
	h.nodes = h.nodes[:last]
	h.at[v] = -1
	if last > 0 {
		h.down(0)
	}
	return v, h.prio[v]
}

// add changes v's priority by d (only ever down, here).
func (h *heap) add(v int32, d float64) {
	h.prio[v] += d
	if i := h.at[v]; i >= 0 {
		h.up(int(i))
	}
}

func (h *heap) less(i, j int) bool { return h.prio[h.nodes[i]] < h.prio[h.nodes[j]] }

func (h *heap) swap(i, j int) {
	h.nodes[i], h.nodes[j] = h.nodes[j], h.nodes[i]
	h.at[h.nodes[i]] = int32(i)
	h.at[h.nodes[j]] = int32(j)
}

func (h *heap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.swap(i, p)
		i = p
	}
}

func (h *heap) down(i int) {
	n := len(h.nodes)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.less(r, l) {
			c = r
		}
		if !h.less(c, i) {
			return
		}
		h.swap(i, c)
		i = c
	}
}
