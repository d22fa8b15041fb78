package main

import (
	"strings"
	"testing"
)

func TestGLTooOld(t *testing.T) {
	for _, c := range []struct {
		version string
		old     bool
	}{
		{"1.1.0", true},
		{"2.0 Chromium", true},
		{"2.1 Mesa 22.3.6", false},
		{"3.1 Mesa 23.2.1", false},
		{"4.6.0 NVIDIA 535.98", false},
		{"10.0", false},
	} {
		old, err := glTooOld(c.version)
		if err != nil || old != c.old {
			t.Errorf("glTooOld(%q) = %v, %v; want %v", c.version, old, err, c.old)
		}
	}
	for _, bad := range []string{"", "OpenGL", "x.y", "4"} {
		if _, err := glTooOld(bad); err == nil {
			t.Errorf("glTooOld(%q) gave no error", bad)
		}
	}
}

func TestNoOpenGLMessageSaysWhatToDo(t *testing.T) {
	m := noOpenGLMessage("1.1.0", "GDI Generic")
	for _, want := range []string{"2.1", "1.1.0 (GDI Generic)", "display", "opengl32.dll", mesaOpenGLURL} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
}
