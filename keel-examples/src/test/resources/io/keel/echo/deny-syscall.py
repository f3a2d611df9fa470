#!/usr/bin/env python3
"""Runs a command under a seccomp filter that makes one system call fail with EPERM, as some container
policies do (for example io_uring_enter alone, while io_uring_setup and io_uring_register are allowed).

    deny-syscall.py NUMBER COMMAND [ARGS...]

Linux x86_64 and aarch64 share the numbers of the io_uring calls (425 setup, 426 enter, 427 register)."""
import ctypes
import os
import struct
import sys

EPERM = 1
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
RET_ERRNO, RET_ALLOW = 0x00050000, 0x7FFF0000


def insn(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k)


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def main():
    number = int(sys.argv[1])
    program = b"".join([
        insn(LD_W_ABS, 0),                 # seccomp_data.nr
        insn(JEQ_K, number, 0, 1),
        insn(RET_K, RET_ERRNO | EPERM),
        insn(RET_K, RET_ALLOW),
    ])
    buf = ctypes.create_string_buffer(program)
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        sys.exit("deny-syscall: seccomp refused: " + os.strerror(ctypes.get_errno()))
    os.execvp(sys.argv[2], sys.argv[2:])


main()
