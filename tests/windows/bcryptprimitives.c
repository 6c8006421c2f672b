/* Test shim for Wine 8.0 (Debian 12), which has no bcryptprimitives.dll.
 * Rust's std on Windows 10 and later draws its random numbers (HashMap
 * keys) from bcryptprimitives!ProcessPrng, a system DLL on every Windows
 * that Rust supports; without it Wine refuses to start the exe
 * (status c0000135). This DLL goes into the test's Wine prefix only, never
 * into a package: it forwards to advapi32!SystemFunction036 (RtlGenRandom),
 * which Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
