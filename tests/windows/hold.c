/* Test helper: hold a file open as Word, WPS or Excel do (no sharing), until
 * a second file appears or 60 s pass.
 *   hold.exe FILE RELEASE   prints "held" once FILE is open */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3)
        return 2;
    HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL,
                           OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        printf("cannot open: error %lu\n", GetLastError());
        return 1;
    }
    printf("held\n");
    fflush(stdout);
    for (int i = 0; i < 600; i++) {
        if (GetFileAttributesW(argv[2]) != INVALID_FILE_ATTRIBUTES)
            break;
        Sleep(100);
    }
    CloseHandle(h);
    return 0;
}
