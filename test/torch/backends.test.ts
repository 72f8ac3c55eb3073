import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { parseCpuInfo } from '../../src/torch/backends.js';

// Abridged /proc/cpuinfo text of two real machine kinds (two processors each; flags as printed).
const EPYC_AVX2 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext invpcid_single ssbd ibrs ibpb stibp vmmcall fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 clzero xsaveerptr arat npt nrip_save umip vaes vpclmulqdq rdpid fsrm
bogomips\t: 4899.99

processor\t: 1
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme de pse avx2
`;

const SAPPHIRE_RAPIDS = `processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch ssbd ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx_vnni avx512_bf16 arat avx512vbmi umip pku ospke waitpkg avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq la57 rdpid cldemote movdiri movdir64b fsrm md_clear serialize tsxldtrk amx_bf16 avx512_fp16 amx_tile amx_int8 arch_capabilities
bogomips\t: 5399.99

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu
`;

describe('parseCpuInfo', () => {
  it('reads an AVX2-only AMD EPYC: no native bf16, no AVX-512, no AMX', () => {
    const info = parseCpuInfo(EPYC_AVX2);
    assert.equal(info.model, 'AMD EPYC 7B13');
    assert.ok(info.flags.includes('sha_ni') && info.flags.length > 50, 'the first processor\'s full flag list');
    assert.deepEqual([info.nativeBf16, info.amx, info.avx512, info.avx2], [false, false, false, true]);
  });

  it('reads an Intel Sapphire Rapids: native bf16 (avx512_bf16, amx_bf16), AMX and AVX-512', () => {
    const info = parseCpuInfo(SAPPHIRE_RAPIDS);
    assert.equal(info.model, 'Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz');
    assert.ok(info.flags.includes('amx_bf16') && info.flags.includes('avx512_bf16'));
    assert.deepEqual([info.nativeBf16, info.amx, info.avx512, info.avx2], [true, true, true, true]);
  });

  it('counts amx_bf16 alone as native bf16', () => {
    assert.equal(parseCpuInfo('model name\t: X\nflags\t\t: avx2 amx_bf16 amx_tile\n').nativeBf16, true);
  });

  it('reports an unknown CPU and no features for text without the fields (e.g. ARM)', () => {
    const info = parseCpuInfo('processor\t: 0\nFeatures\t: fp asimd evtstrm aes bf16\nCPU part\t: 0xd0c\n');
    assert.equal(info.model, 'unknown CPU');
    assert.deepEqual(info.flags, ['fp', 'asimd', 'evtstrm', 'aes', 'bf16']);
    assert.deepEqual([info.nativeBf16, info.amx, info.avx512, info.avx2], [false, false, false, false]);
  });
});

describe('torch.backends.cpu on this machine', () => {
  it('agrees with the flags in /proc/cpuinfo', (t) => {
    if (!existsSync('/proc/cpuinfo')) {
      t.skip('no /proc/cpuinfo here');
      return;
    }
    const info = torch.backends.cpu.cpuInfo();
    const lines = readFileSync('/proc/cpuinfo', 'utf8').split('\n');
    const line = lines.find((l) => /^flags\s*:/.test(l));
    const model = lines.find((l) => /^model name\s*:/.test(l));
    const flags = line ? line.split(':')[1]!.trim().split(/\s+/) : [];
    assert.deepEqual(info.flags, flags);
    assert.equal(info.nativeBf16, flags.includes('avx512_bf16') || flags.includes('amx_bf16'));
    assert.equal(info.avx512, flags.includes('avx512f'));
    assert.equal(info.avx2, flags.includes('avx2'));
    assert.equal(info.amx, flags.includes('amx_tile'));
    assert.equal(torch.backends.cpu.nativeBf16(), info.nativeBf16);
    if (model) assert.equal(info.model, model.split(':')[1]!.trim());
  });

  it('reads once and caches a frozen result', () => {
    const a = torch.backends.cpu.cpuInfo();
    assert.equal(torch.backends.cpu.cpuInfo(), a);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.flags));
  });
});
