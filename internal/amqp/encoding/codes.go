package encoding

// Format codes of the type system (part 1, 1.6).
const (
	codeDescribed = 0x00

	CodeNull  = 0x40
	CodeTrue  = 0x41
	CodeFalse = 0x42
	CodeBool  = 0x56

	CodeUbyte      = 0x50
	CodeUshort     = 0x60
	CodeUint       = 0x70
	CodeSmallUint  = 0x52
	CodeUint0      = 0x43
	CodeUlong      = 0x80
	CodeSmallUlong = 0x53
	CodeUlong0     = 0x44

	CodeByte      = 0x51
	CodeShort     = 0x61
	CodeInt       = 0x71
	CodeSmallInt  = 0x54
	CodeLong      = 0x81
	CodeSmallLong = 0x55

	CodeFloat  = 0x72
	CodeDouble = 0x82

	CodeDecimal32  = 0x74
	CodeDecimal64  = 0x84
	CodeDecimal128 = 0x94

	CodeChar      = 0x73
	CodeTimestamp = 0x83
	CodeUUID      = 0x98

	CodeVbin8  = 0xa0
	CodeVbin32 = 0xb0
	CodeStr8   = 0xa1
	CodeStr32  = 0xb1
	CodeSym8   = 0xa3
	CodeSym32  = 0xb3

	CodeList0   = 0x45
	CodeList8   = 0xc0
	CodeList32  = 0xd0
	CodeMap8    = 0xc1
	CodeMap32   = 0xd1
	CodeArray8  = 0xe0
	CodeArray32 = 0xf0
)
