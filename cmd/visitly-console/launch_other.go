//go:build !windows

package main

// showWindow opens the window. Only Windows has a second, console-subsystem
// build that starts the window from a terminal (launch_windows.go).
func showWindow(env *CommandEnv, _ []string, measure bool) error {
	return runWindow(env, measure)
}
