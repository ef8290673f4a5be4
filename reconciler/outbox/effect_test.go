package outbox

import "testing"

func TestKeyOfSeparatesItsParts(t *testing.T) {
	cases := []struct {
		name string
		a, b [3]string
	}{
		{"subject and event boundary", [3]string{"ab", "c", "slack"}, [3]string{"a", "bc", "slack"}},
		{"event and target boundary", [3]string{"s", "waitingx", "y"}, [3]string{"s", "waiting", "xy"}},
		{"target differs", [3]string{"s", "applied", "slack"}, [3]string{"s", "applied", "jira"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ka := KeyOf(c.a[0], Event(c.a[1]), c.a[2])
			kb := KeyOf(c.b[0], Event(c.b[1]), c.b[2])
			if ka == kb {
				t.Fatalf("KeyOf(%q) == KeyOf(%q) = %s", c.a, c.b, ka)
			}
			if again := KeyOf(c.a[0], Event(c.a[1]), c.a[2]); again != ka {
				t.Fatalf("KeyOf is not a function of its inputs: %s then %s", ka, again)
			}
		})
	}
}
