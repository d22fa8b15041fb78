package main

import (
	"testing"

	"fyne.io/fyne/v2"
)

func TestWindowSizeFitsTheScreen(t *testing.T) {
	tests := []struct {
		name  string
		w, h  int
		scale float32
		want  fyne.Size
	}{
		{"1366x768 laptop, no task bar", 1366, 768, 1, fyne.NewSize(1280, 720)},
		{"1366x768 laptop with a 40 px task bar", 1366, 728, 1, fyne.NewSize(1280, 680)},
		{"1920x1080", 1920, 1040, 1, fyne.NewSize(1280, 800)},
		{"1920x1080 at 150 %", 1920, 1040, 1.5, fyne.NewSize(1269.3334, 661.3333)},
		{"too small: the smallest the console fits", 800, 600, 1, fyne.NewSize(784, 552)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := windowSize(tt.w, tt.h, tt.scale)
			if got != tt.want {
				t.Errorf("windowSize(%d, %d, %v) = %v, want %v", tt.w, tt.h, tt.scale, got, tt.want)
			}
			if px := got.Height*tt.scale + decorationH; int(px) > tt.h {
				t.Errorf("%v px tall with its title bar on a %d px screen", px, tt.h)
			}
		})
	}
}
