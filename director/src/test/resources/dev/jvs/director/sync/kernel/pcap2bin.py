import struct, sys
data = open(sys.argv[1], 'rb').read()
magic = struct.unpack('<I', data[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
off = 24; n = 0
while off < len(data):
    ts, tu, incl, orig = struct.unpack(e + 'IIII', data[off:off+16]); off += 16
    frame = data[off:off+incl]; off += incl
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    udp = ip[ihl:]
    length = struct.unpack('>H', udp[4:6])[0]
    n += 1
    open('%s-%02d.bin' % (sys.argv[2], n), 'wb').write(udp[8:length])
    print(n, length - 8)
