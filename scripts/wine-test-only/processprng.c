/*
 * TEST-ONLY. NEVER SHIP THIS DLL.
 *
 * Wine 8.0 (Debian 12) has no ProcessPrng in bcryptprimitives.dll, which the
 * Go runtime (1.22+) calls at start on Windows; every Windows 10/11 has it.
 * scripts/wine-test.sh builds this file into bcryptprimitives.dll and copies
 * it into a throwaway Wine prefix so that the Windows builds can run in CI.
 * It is never part of dist/, the MSI or the zip.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
