//go:build ignore

// icon_gen draws icon.png, the app icon: a teal rounded tile with a white
// person (a host) inside a circular sync arrow. Run: go generate ./assets
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const (
	size = 512
	ss   = 4 // samples per pixel per axis, for anti-aliasing
	cx   = size / 2.0
	cy   = size / 2.0
)

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var tile, mark float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := float64(x) + (float64(sx)+0.5)/ss
					py := float64(y) + (float64(sy)+0.5)/ss
					if inTile(px, py) {
						tile++
						if inMark(px, py) {
							mark++
						}
					}
				}
			}
			n := float64(ss * ss)
			tile, mark = tile/n, mark/n
			if tile == 0 {
				continue
			}
			bg := gradient(float64(x), float64(y))
			// White mark over the tile; the tile's own coverage is the alpha.
			r := (bg[0]*(tile-mark) + 255*mark) / tile
			g := (bg[1]*(tile-mark) + 255*mark) / tile
			b := (bg[2]*(tile-mark) + 255*mark) / tile
			img.SetNRGBA(x, y, color.NRGBA{uint8(r + 0.5), uint8(g + 0.5), uint8(b + 0.5), uint8(255*tile + 0.5)})
		}
	}
	f, err := os.Create("icon.png")
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// gradient runs from a light teal at the top left to a deep one at the
// bottom right.
func gradient(x, y float64) [3]float64 {
	from := [3]float64{0x2d, 0xc4, 0xb2}
	to := [3]float64{0x0b, 0x6b, 0x66}
	t := math.Max(0, math.Min(1, (x+y)/(2*size)))
	return [3]float64{
		from[0] + (to[0]-from[0])*t,
		from[1] + (to[1]-from[1])*t,
		from[2] + (to[2]-from[2])*t,
	}
}

// inTile: a rounded square with a small margin, as OS icon grids expect.
func inTile(x, y float64) bool {
	return roundedBox(x-cx, y-cy, 236, 236, 104) <= 0
}

func inMark(x, y float64) bool {
	dx, dy := x-cx, y-cy
	head := math.Hypot(dx, dy+50) <= 52
	// Shoulders: the top of an ellipse, cut flat.
	ex, ey := dx/98, (dy-120)/106
	body := ex*ex+ey*ey <= 1 && dy <= 98
	return head || body || inSyncArrow(dx, dy)
}

// inSyncArrow: two arcs of a ring, each ending in an arrowhead, turning
// clockwise (angles grow clockwise because y points down).
func inSyncArrow(dx, dy float64) bool {
	const (
		radius = 172.0
		half   = 13.0 // half the stroke width
	)
	r := math.Hypot(dx, dy)
	a := math.Atan2(dy, dx) * 180 / math.Pi
	if a < 0 {
		a += 360
	}
	arcs := [][2]float64{{198, 318}, {18, 138}}
	for _, arc := range arcs {
		if math.Abs(r-radius) <= half && a >= arc[0] && a <= arc[1] {
			return true
		}
		if inArrowhead(dx, dy, radius, arc[1]) {
			return true
		}
	}
	return false
}

// inArrowhead: a triangle whose base straddles the ring at angle end and whose
// tip points along the ring, clockwise.
func inArrowhead(dx, dy, radius, end float64) bool {
	const (
		halfBase = 36.0
		length   = 54.0
	)
	t := end * math.Pi / 180
	ox, oy := radius*math.Cos(t), radius*math.Sin(t) // base centre
	nx, ny := math.Cos(t), math.Sin(t)               // outward normal
	tx, ty := -math.Sin(t), math.Cos(t)              // clockwise tangent
	p1 := [2]float64{ox + nx*halfBase, oy + ny*halfBase}
	p2 := [2]float64{ox - nx*halfBase, oy - ny*halfBase}
	// Bend the tip toward the centre a little so it follows the curve.
	bend := length * length / (2 * radius)
	p3 := [2]float64{ox + tx*length - nx*bend, oy + ty*length - ny*bend}
	return inTriangle(dx, dy, p1, p2, p3)
}

func inTriangle(x, y float64, a, b, c [2]float64) bool {
	side := func(p, q [2]float64) float64 { return (q[0]-p[0])*(y-p[1]) - (q[1]-p[1])*(x-p[0]) }
	d1, d2, d3 := side(a, b), side(b, c), side(c, a)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// roundedBox is the signed distance from (x, y) to a box centred on the
// origin with half sizes hw, hh and corner radius r.
func roundedBox(x, y, hw, hh, r float64) float64 {
	qx := math.Abs(x) - hw + r
	qy := math.Abs(y) - hh + r
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - r
}
