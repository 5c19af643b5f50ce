package org.gapscope.tests;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.FieldModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.reflect.AccessFlag;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads compiled kernel-body classes with the JDK's class-file API and lists every construct that
 * TornadoVM 5.2 miscompiles or rejects (the rules this class enforces): unsigned shifts, (long) of a
 * floating-point value, throw, object allocation, monitors, infinity/NaN constants, the listed
 * Math/StrictMath/Integer/Long/Float/Double methods, static fields that are not final (and any static
 * write), calls of instance methods, invokedynamic (lambdas), calls outside the bodies and java.lang's
 * number classes, static initialisers, and recursion (a cycle in the call graph of the bodies).
 * Constructors are skipped: bodies are static and never construct their class.
 */
final class BodyChecker {

    static final Set<Opcode> FORBIDDEN_OPCODES = Set.of(Opcode.IUSHR, Opcode.LUSHR, Opcode.D2L, Opcode.F2L,
            Opcode.ATHROW, Opcode.NEW, Opcode.ANEWARRAY, Opcode.MULTIANEWARRAY, Opcode.MONITORENTER,
            Opcode.MONITOREXIT, Opcode.PUTSTATIC, Opcode.INVOKEVIRTUAL, Opcode.INVOKEINTERFACE,
            Opcode.INVOKESPECIAL, Opcode.INVOKEDYNAMIC, Opcode.CHECKCAST, Opcode.INSTANCEOF);

    static final Set<String> NUMBER_CLASSES = Set.of("java/lang/Math", "java/lang/StrictMath", "java/lang/Integer",
            "java/lang/Long", "java/lang/Float", "java/lang/Double");

    static final Set<String> FORBIDDEN_METHODS = Set.of("floor", "ceil", "round", "rint", "log1p", "expm1", "fma",
            "multiplyHigh", "unsignedMultiplyHigh", "floatToRawIntBits", "floatToIntBits", "doubleToRawLongBits",
            "doubleToLongBits", "intBitsToFloat", "longBitsToDouble", "floatToFloat16", "float16ToFloat",
            "numberOfLeadingZeros", "numberOfTrailingZeros", "bitCount", "highestOneBit", "lowestOneBit",
            "rotateLeft", "rotateRight", "divideUnsigned", "remainderUnsigned", "compareUnsigned", "toUnsignedLong",
            "toUnsignedString", "reverse", "reverseBytes", "compress", "expand", "isNaN", "isInfinite", "isFinite",
            "addExact", "subtractExact", "multiplyExact", "negateExact", "incrementExact", "decrementExact",
            "toIntExact", "absExact", "ceilDiv", "ceilMod", "ceilDivExact", "floorDivExact", "nextUp", "nextDown",
            "nextAfter", "ulp", "getExponent", "scalb", "copySign", "signum", "valueOf", "parseInt", "parseLong",
            "parseDouble", "parseFloat", "toString", "hashCode", "sqrt", "cbrt", "clamp");

    record Body(String owner, String name, String descriptor) {
        @Override
        public String toString() {
            return owner.substring(owner.lastIndexOf('/') + 1) + "." + name + descriptor;
        }
    }

    private final Map<String, ClassModel> classes = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<Body, Set<Body>> calls = new HashMap<>();

    /** Checks the given class files together (calls between them are allowed) and returns the violations. */
    static List<String> check(List<byte[]> classFiles) {
        BodyChecker c = new BodyChecker();
        for (byte[] bytes : classFiles) {
            ClassModel cm = ClassFile.of().parse(bytes);
            c.classes.put(cm.thisClass().asInternalName(), cm);
        }
        for (ClassModel cm : c.classes.values()) {
            c.checkClass(cm);
        }
        c.checkRecursion();
        return c.violations;
    }

    private void checkClass(ClassModel cm) {
        String owner = cm.thisClass().asInternalName();
        for (FieldModel f : cm.fields()) {
            if (f.flags().has(AccessFlag.STATIC) && !f.flags().has(AccessFlag.FINAL)) {
                violations.add(owner + "." + f.fieldName().stringValue() + ": mutable static field");
            }
        }
        for (MethodModel m : cm.methods()) {
            String name = m.methodName().stringValue();
            if (name.equals("<init>")) {
                continue;
            }
            Body self = new Body(owner, name, m.methodType().stringValue());
            if (name.equals("<clinit>")) {
                violations.add(self + ": static initialiser (static final tables, mutable statics)");
                continue;
            }
            if (!m.flags().has(AccessFlag.STATIC)) {
                violations.add(self + ": instance method (bodies are static)");
            }
            if (m.flags().has(AccessFlag.SYNCHRONIZED)) {
                violations.add(self + ": synchronized");
            }
            Set<Body> callees = calls.computeIfAbsent(self, k -> new LinkedHashSet<>());
            m.code().ifPresent(code -> {
                for (CodeElement e : code) {
                    if (e instanceof Instruction ins) {
                        checkInstruction(self, ins, callees);
                    }
                }
            });
        }
    }

    private void checkInstruction(Body self, Instruction ins, Set<Body> callees) {
        Opcode op = ins.opcode();
        if (FORBIDDEN_OPCODES.contains(op)) {
            String what = switch (op) {
                case IUSHR, LUSHR -> "unsigned shift >>> (miscompiled as >>)";
                case D2L, F2L -> "(long) of a floating-point value (miscompiled as an (int) cast)";
                case ATHROW -> "throw";
                case NEW, ANEWARRAY, MULTIANEWARRAY -> "object allocation";
                case MONITORENTER, MONITOREXIT -> "synchronized";
                case PUTSTATIC -> "write of a static field";
                case INVOKEDYNAMIC -> "invokedynamic (lambda or string concatenation)";
                case CHECKCAST, INSTANCEOF -> "object type test";
                default -> "call of an instance method";
            };
            String target = "";
            if (ins instanceof InvokeInstruction inv) {
                target = " " + inv.owner().asInternalName() + "." + inv.name().stringValue();
            } else if (ins instanceof InvokeDynamicInstruction) {
                target = "";
            }
            violations.add(self + ": " + op + target + ": " + what);
        }
        if (ins instanceof ConstantInstruction ci) {
            Object v = ci.constantValue();
            if ((v instanceof Double d && !Double.isFinite(d)) || (v instanceof Float f && !Float.isFinite(f))) {
                violations.add(self + ": constant " + v + " (infinity/NaN constants do not compile)");
            }
        }
        if (ins instanceof FieldInstruction fi && op == Opcode.GETSTATIC) {
            String owner = fi.owner().asInternalName();
            String field = fi.name().stringValue();
            if (NUMBER_CLASSES.contains(owner) && (field.contains("INFINITY") || field.equals("NaN"))) {
                violations.add(self + ": GETSTATIC " + owner + "." + field + " (infinity/NaN constant)");
            } else if (!isFinalStatic(owner, field)) {
                violations.add(self + ": GETSTATIC " + owner + "." + field + " (not a final static field)");
            } else if (!fi.typeSymbol().isPrimitive()) {
                violations.add(self + ": GETSTATIC " + owner + "." + field + " (static final table or object)");
            }
        }
        if (ins instanceof InvokeInstruction inv && op == Opcode.INVOKESTATIC) {
            String owner = inv.owner().asInternalName();
            String name = inv.name().stringValue();
            String desc = inv.type().stringValue();
            if (classes.containsKey(owner)) {
                callees.add(new Body(owner, name, desc));
            } else if (NUMBER_CLASSES.contains(owner)) {
                boolean absInt = name.equals("abs") && (desc.equals("(I)I") || desc.equals("(J)J"));
                if (FORBIDDEN_METHODS.contains(name) && !(name.equals("sqrt") && owner.equals("java/lang/Math"))) {
                    violations.add(self + ": call of " + owner + "." + name + desc);
                } else if (absInt) {
                    violations.add(self + ": call of " + owner + ".abs" + desc + " (only abs(double) compiles)");
                }
            } else {
                violations.add(self + ": call of " + owner + "." + name + desc + " (outside the bodies and java.lang's number classes)");
            }
        }
    }

    private boolean isFinalStatic(String owner, String field) {
        ClassModel cm = classes.get(owner);
        if (cm != null) {
            for (FieldModel f : cm.fields()) {
                if (f.fieldName().stringValue().equals(field)) {
                    return f.flags().has(AccessFlag.STATIC) && f.flags().has(AccessFlag.FINAL);
                }
            }
            return false;
        }
        try {
            int mod = Class.forName(owner.replace('/', '.')).getDeclaredField(field).getModifiers();
            return Modifier.isStatic(mod) && Modifier.isFinal(mod);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private void checkRecursion() {
        Set<Body> done = new HashSet<>();
        for (Body start : calls.keySet()) {
            visit(start, new ArrayList<>(), new HashSet<>(), done);
        }
    }

    private void visit(Body b, List<Body> path, Set<Body> onPath, Set<Body> done) {
        if (onPath.contains(b)) {
            List<Body> cycle = path.subList(path.indexOf(b), path.size());
            violations.add(b + ": recursion (call cycle " + cycle + " -> " + b + ")");
            return;
        }
        if (!done.add(b)) {
            return;
        }
        path.add(b);
        onPath.add(b);
        for (Body callee : calls.getOrDefault(b, Set.of())) {
            visit(callee, path, onPath, done);
        }
        path.remove(path.size() - 1);
        onPath.remove(b);
    }
}
