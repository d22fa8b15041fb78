package assets

import (
	"bufio"
	"bytes"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"
)

func TestIcon(t *testing.T) {
	if got := Icon.Name(); got != "icon.png" {
		t.Errorf("Icon.Name() = %q, want icon.png", got)
	}
	img, err := png.Decode(bytes.NewReader(Icon.Content()))
	if err != nil {
		t.Fatalf("Icon is not a PNG: %v", err)
	}
	if got := img.Bounds(); got != image.Rect(0, 0, 512, 512) {
		t.Fatalf("Icon bounds = %v, want 512×512", got)
	}
	tests := []struct {
		name      string
		x, y      int
		wantAlpha func(a uint32) bool
	}{
		{"corner is transparent", 2, 2, func(a uint32) bool { return a == 0 }},
		{"tile is opaque", 60, 256, func(a uint32) bool { return a == 0xffff }},
		{"centre is opaque", 256, 256, func(a uint32) bool { return a == 0xffff }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, a := img.At(tt.x, tt.y).RGBA(); !tt.wantAlpha(a) {
				t.Errorf("alpha at (%d,%d) = %#x", tt.x, tt.y, a)
			}
		})
	}
}

// TestFyneAppTOML keeps FyneApp.toml, read by `fyne package`, in step with
// what a plain go build uses.
func TestFyneAppTOML(t *testing.T) {
	f, err := os.Open("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	values := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			values[section+"."+strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	tests := []struct{ key, want string }{
		{"Details.ID", AppID},
		{"Details.Icon", "assets/icon.png"},
		{"Details.Name", "Visitly Console"},
		{"Migrations.fyneDo", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := values[tt.key]; got != tt.want {
				t.Errorf("FyneApp.toml %s = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
	icon, err := os.ReadFile("../" + values["Details.Icon"])
	if err != nil {
		t.Fatalf("FyneApp.toml's icon: %v", err)
	}
	if !bytes.Equal(icon, Icon.Content()) {
		t.Error("FyneApp.toml's icon differs from the embedded one")
	}
}
