//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	gdi32    = windows.NewLazySystemDLL("gdi32.dll")
	opengl32 = windows.NewLazySystemDLL("opengl32.dll")

	procCreateWindowExW   = user32.NewProc("CreateWindowExW")
	procDestroyWindow     = user32.NewProc("DestroyWindow")
	procGetDC             = user32.NewProc("GetDC")
	procReleaseDC         = user32.NewProc("ReleaseDC")
	procChoosePixelFormat = gdi32.NewProc("ChoosePixelFormat")
	procSetPixelFormat    = gdi32.NewProc("SetPixelFormat")
	procWglCreateContext  = opengl32.NewProc("wglCreateContext")
	procWglDeleteContext  = opengl32.NewProc("wglDeleteContext")
	procWglMakeCurrent    = opengl32.NewProc("wglMakeCurrent")
	procGlGetString       = opengl32.NewProc("glGetString")
)

// pixelFormatDescriptor is Win32's PIXELFORMATDESCRIPTOR (40 bytes).
type pixelFormatDescriptor struct {
	Size, Version                                    uint16
	Flags                                            uint32
	PixelType, ColorBits, RedBits, RedShift          uint8
	GreenBits, GreenShift, BlueBits, BlueShift       uint8
	AlphaBits, AlphaShift, AccumBits, AccumRedBits   uint8
	AccumGreenBits, AccumBlueBits, AccumAlphaBits    uint8
	DepthBits, StencilBits, AuxBuffers, LayerType, _ uint8
	LayerMask, VisibleMask, DamageMask               uint32
}

const (
	pfdDrawToWindow  = 0x04
	pfdSupportOpenGL = 0x20
	pfdDoubleBuffer  = 0x01
	wsPopup          = 0x80000000
	glRenderer       = 0x1F01
	glVersion        = 0x1F02
)

// errNoGL is an OpenGL too old or missing for the window to open.
var errNoGL = errors.New("OpenGL too old")

// checkOpenGL makes sure the window can open: Fyne needs OpenGL 2.1, and over
// Remote Desktop or in a VM without a GPU driver Windows offers only its own
// 1.1 renderer, with which the window would never appear. Then it shows a
// message box saying what to do, logs it (stderr and visitly-console.log in
// the data folder, since the GUI exe has no console) and ends with exit code 1.
// A probe that cannot even create its hidden window proves nothing: it is
// logged and the start goes on.
func checkOpenGL(env *CommandEnv) error {
	version, renderer, err := probeOpenGL()
	if err != nil && !errors.Is(err, errNoGL) {
		env.Log.Warn("could not check the OpenGL version", "err", err)
		return nil
	}
	if err == nil {
		old, perr := glTooOld(version)
		if perr != nil {
			env.Log.Warn("could not read the OpenGL version", "err", perr)
			return nil
		}
		if !old {
			env.Log.Debug("OpenGL", "version", version, "renderer", renderer)
			return nil
		}
	} else {
		version = "none"
	}
	msg := noOpenGLMessage(version, renderer)
	env.Log.Error("OpenGL too old to open the window", "version", version, "renderer", renderer)
	if f, ferr := os.OpenFile(filepath.Join(env.DataDir, "visitly-console.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); ferr == nil {
		fmt.Fprintf(f, "%s OpenGL %s (%s): the window cannot open\r\n", time.Now().Format(time.RFC3339), version, renderer)
		f.Close()
	}
	title, _ := windows.UTF16PtrFromString("Visitly Console cannot open its window")
	text, _ := windows.UTF16PtrFromString(msg)
	windows.MessageBox(0, text, title, windows.MB_OK|windows.MB_ICONERROR)
	return exitCode(1)
}

// probeOpenGL creates a hidden window and a legacy OpenGL context on it, as
// GLFW does first, and reads GL_VERSION and GL_RENDERER. An error wrapping
// errNoGL means OpenGL itself refused.
func probeOpenGL() (version, renderer string, err error) {
	// A GL context belongs to the thread that made it current.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := opengl32.Load(); err != nil {
		return "", "", fmt.Errorf("%w: %v", errNoGL, err)
	}
	class, _ := windows.UTF16PtrFromString("STATIC")
	hwnd, _, e := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), 0, wsPopup, 0, 0, 1, 1, 0, 0, 0, 0)
	if hwnd == 0 {
		return "", "", fmt.Errorf("hidden window: %w", e)
	}
	defer procDestroyWindow.Call(hwnd)
	dc, _, _ := procGetDC.Call(hwnd)
	if dc == 0 {
		return "", "", errors.New("hidden window: no device context")
	}
	defer procReleaseDC.Call(hwnd, dc)
	pfd := pixelFormatDescriptor{Size: uint16(unsafe.Sizeof(pixelFormatDescriptor{})), Version: 1,
		Flags: pfdDrawToWindow | pfdSupportOpenGL | pfdDoubleBuffer, ColorBits: 32, DepthBits: 24, StencilBits: 8}
	pf, _, _ := procChoosePixelFormat.Call(dc, uintptr(unsafe.Pointer(&pfd)))
	if pf == 0 {
		return "", "", fmt.Errorf("%w: no OpenGL pixel format", errNoGL)
	}
	if ok, _, e := procSetPixelFormat.Call(dc, pf, uintptr(unsafe.Pointer(&pfd))); ok == 0 {
		return "", "", fmt.Errorf("%w: set pixel format: %v", errNoGL, e)
	}
	ctx, _, e := procWglCreateContext.Call(dc)
	if ctx == 0 {
		return "", "", fmt.Errorf("%w: create context: %v", errNoGL, e)
	}
	defer procWglDeleteContext.Call(ctx)
	if ok, _, e := procWglMakeCurrent.Call(dc, ctx); ok == 0 {
		return "", "", fmt.Errorf("%w: make context current: %v", errNoGL, e)
	}
	defer procWglMakeCurrent.Call(0, 0)
	v, _, _ := procGlGetString.Call(glVersion)
	r, _, _ := procGlGetString.Call(glRenderer)
	if v == 0 {
		return "", "", fmt.Errorf("%w: no GL_VERSION", errNoGL)
	}
	version = windows.BytePtrToString(cString(&v))
	if r != 0 {
		renderer = windows.BytePtrToString(cString(&r))
	}
	return version, renderer, nil
}

// cString turns a C string returned in a register into a *byte without
// converting a uintptr to a pointer (which go vet rightly distrusts): the
// memory is opengl32's static storage, never Go's.
func cString(p *uintptr) *byte { return *(**byte)(unsafe.Pointer(p)) }
