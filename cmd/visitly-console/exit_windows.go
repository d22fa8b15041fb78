//go:build windows

package main

import "golang.org/x/sys/windows"

// Pin the DLLs GLFW loads for joysticks, so that closing the window cannot
// unload them under a thread of theirs. glfwTerminate (Fyne calls it when the
// window closes) frees xinput1_4.dll and dinput8.dll; Wine's xinput1_4 still
// runs its worker thread then, which faults executing the unmapped DLL
// ("Unhandled page fault on execute access" right after the window closed,
// in about 2 of 30 runs; the faulting address is inside xinput1_4's image).
// With this reference of our own, GLFW's FreeLibrary only decrements the count
// and the DLLs go with the process. The .com never opens a window.
func init() {
	if consoleBuild == "true" {
		return
	}
	for _, name := range []string{"xinput1_4.dll", "dinput8.dll"} {
		// A DLL that is missing is one GLFW will not load either.
		_, _ = windows.LoadLibraryEx(name, 0, windows.LOAD_LIBRARY_SEARCH_SYSTEM32)
	}
}
