// Prints Go's math.Exp2 and math.Log for a fixed set of arguments, as `argument result` bit
// pairs: the oracle of core/src/vpa/gomath.rs. Run on linux/amd64 (Go 1.19 or newer):
//   go run scripts/go-math-oracle.go > core/tests/data/go_math_amd64.txt

package main

import (
	"fmt"
	"math"
	"math/rand"
)

func main() {
	r := rand.New(rand.NewSource(20261203))
	// exp2: decay exponents dt/halfLife (0..100 half-lives, fractional), shift exponents, wide range
	fmt.Println("exp2")
	for i := 0; i < 3000; i++ {
		var x float64
		switch i % 3 {
		case 0:
			x = r.Float64() * 100
		case 1:
			// ns ratio like float64(dt_ns)/float64(halfLife_ns)
			dtms := r.Int63n(100 * 86400000)
			x = float64(dtms*1000000) / float64(int64(86400000)*1000000)
		default:
			x = (r.Float64()*2 - 1) * 1070
		}
		fmt.Printf("%016x %016x\n", math.Float64bits(x), math.Float64bits(math.Exp2(x)))
	}
	fmt.Println("log")
	for i := 0; i < 3000; i++ {
		var x float64
		switch i % 3 {
		case 0:
			x = r.Float64()*1000*0.05/0.01 + 1 // cpu FindBucket argument
		case 1:
			x = r.Float64()*1e12*0.05/1e7 + 1 // memory
		default:
			x = math.Exp(r.NormFloat64() * 50)
		}
		fmt.Printf("%016x %016x\n", math.Float64bits(x), math.Float64bits(math.Log(x)))
	}
}
