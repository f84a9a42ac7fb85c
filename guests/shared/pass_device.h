/* The register file of the simulated pass-through device: 32-bit registers at these byte offsets of the
   shared page that its host process (it/src/test/c/pass-device.c) owns and the guest kits' pass-device
   programs reach through qvm's pass. One home for the layout both sides use. */
#ifndef PASS_DEVICE_H
#define PASS_DEVICE_H

#define REG_ID 0x00
#define REG_DOORBELL 0x04
#define REG_RESULT 0x08
#define REG_STATUS 0x0c
#define REG_REARMS 0x10
#define REG_DONE 0x14
#define DONE_MAGIC 0xd0eu

#endif
