package main

import (
	"fmt"
	"strconv"
	"strings"
)

// minGL is the OpenGL version Fyne needs.
const minGLMajor, minGLMinor = 2, 1

// mesaOpenGLURL is where a Windows user gets Mesa's software renderer
// (opengl32.dll, a drop-in that needs no GPU driver).
const mesaOpenGLURL = "https://github.com/pal1000/mesa-dist-win/releases"

// parseGLVersion reads the leading "major.minor" of a GL_VERSION string such
// as "1.1.0", "4.6.0 NVIDIA 535.98" or "3.1 Mesa 23.2.1".
func parseGLVersion(s string) (major, minor int, err error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, 0, fmt.Errorf("empty OpenGL version string")
	}
	parts := strings.SplitN(f[0], ".", 3)
	if len(parts) < 2 {
		return 0, 0, fmt.Errorf("OpenGL version %q: no major.minor", s)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("OpenGL version %q: no major.minor", s)
	}
	return major, minor, nil
}

// glTooOld says whether a GL_VERSION string is below what Fyne needs.
func glTooOld(version string) (bool, error) {
	major, minor, err := parseGLVersion(version)
	if err != nil {
		return false, err
	}
	return major < minGLMajor || major == minGLMajor && minor < minGLMinor, nil
}

// noOpenGLMessage is what the user reads when the window cannot open: what is
// wrong and the two ways out.
func noOpenGLMessage(found, renderer string) string {
	what := "OpenGL " + found
	if renderer != "" {
		what += " (" + renderer + ")"
	}
	return fmt.Sprintf("Visitly Console needs OpenGL %d.%d or newer to draw its window, but this computer offers only %s.\n\n"+
		"This happens over Remote Desktop and in virtual machines without a graphics driver.\n\n"+
		"To fix it, either:\n"+
		"  • install or update the display (graphics) driver from your PC or graphics card maker, or\n"+
		"  • place Mesa's software renderer opengl32.dll in the folder of visitly-console.exe "+
		"(download the \"release-msvc\" archive from %s and copy x64\\opengl32.dll; it needs no GPU).\n\n"+
		"The command line (visitly-console hosts, sync, …) works without OpenGL.",
		minGLMajor, minGLMinor, what, mesaOpenGLURL)
}
