package certs

import (
	"encoding/asn1"
	"fmt"
)

// maxIterations bounds the key derivation iterations a PKCS#12 file may ask
// for. OpenSSL writes 2048, Java 10000; OWASP's highest advice is 600000.
const maxIterations = 1_000_000

// checkPKCS12Iterations looks for iteration counts in the clear parts of a
// PKCS#12 file and refuses counts above maxIterations. go-pkcs12 runs
// whatever count the file states, so a hostile file could keep the lint
// busy for hours. Salt-then-count pairs are how PBE, PBKDF2 and MacData
// parameters all read (RFC 7292 appendix C, RFC 8018 A.2); the walk goes
// into OCTET STRINGs that hold DER, as the safe contents do.
// TODO: counts inside encrypted safe contents are only seen after
// decryption, by go-pkcs12 itself; bounding those needs a hook upstream.
func checkPKCS12Iterations(data []byte) error {
	return walkDER(data, 0)
}

func walkDER(data []byte, depth int) error {
	if depth > 16 {
		return nil
	}
	var prevSalt bool
	for len(data) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(data, &v)
		if err != nil {
			return nil // not DER here; go-pkcs12 will say what is wrong
		}
		data = rest
		switch {
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger && prevSalt:
			var n int64
			if _, err := asn1.Unmarshal(v.FullBytes, &n); err != nil || n > maxIterations || n < 0 {
				return fmt.Errorf("key derivation asks for too many iterations (more than %d)", maxIterations)
			}
		case v.IsCompound:
			if err := walkDER(v.Bytes, depth+1); err != nil {
				return err
			}
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString:
			if err := walkDER(v.Bytes, depth+1); err != nil {
				return err
			}
		}
		prevSalt = v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString
	}
	return nil
}
