package integrity

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	g := NewGraph(0)
	n, err := ReadCSV(strings.NewReader("account,target,unix_time\nalice,p1,1700000000\n\n\"bob, jr\",p1,1700000060\n"), g)
	if err != nil || n != 2 {
		t.Fatalf("read %d, %v", n, err)
	}
	g.build(1)
	if g.AccountName(g.acct[1]) != "bob, jr" || g.time(1) != 1700000060 {
		t.Errorf("second participation: %q at %d", g.AccountName(g.acct[1]), g.time(1))
	}
	for in, want := range map[string]string{
		"a,p,1\nb,p\n":                      "line 2:",
		"a,p,1\nb,p,soon\n":                 "line 2:",
		"a,p,1\n,p,2\n":                     "line 2:",
		"header,x,y\nh2,x,y\n":              "line 2:",
		"a,p,1\nb,p,2\nc,\"p,3\n":           "line 3",
		"a,p,1\nb,p,99999999999999999999\n": "line 2:",
	} {
		_, err := ReadCSV(strings.NewReader(in), NewGraph(0))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one naming %q", in, err, want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	err := WriteCSV(&b, []Group{{ID: 1, Accounts: []string{"a", "b,c"}, Score: 12.345}, {ID: 2, Accounts: []string{"a"}, Score: 7}})
	want := "account,group,score\na,1,12.35\n\"b,c\",1,12.35\na,2,7.00\n"
	if err != nil || b.String() != want {
		t.Errorf("got %q, %v", b.String(), err)
	}
}

// FuzzReadCSV: whatever the bytes, the reader either refuses them with an
// error naming a line, or every participation it read has an account and
// a target, and the engine runs on them.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("account,target,unix_time\nalice,p1,1700000000\nbob,p1,1700000060\n"))
	f.Add([]byte("a,b,-5\n\"q\"\"x\",\"y\nz\",9223372036854775807\n"))
	f.Add([]byte("a,b,1\r\nc,d,-9223372036854775808\r\n"))
	f.Add([]byte("x,y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := NewGraph(0)
		n, err := ReadCSV(bytes.NewReader(data), g)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		if n != g.Len() {
			t.Fatalf("read %d, graph holds %d", n, g.Len())
		}
		for _, name := range g.accountNames {
			if name == "" {
				t.Fatal("an empty account")
			}
		}
		for _, name := range g.targetNames {
			if name == "" {
				t.Fatal("an empty target")
			}
		}
		g.Detect(DefaultConfig())
	})
}
